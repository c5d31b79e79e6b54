//! What the binary sets up for its own process before running a command.

/// The binary runs with transparent huge pages off (`disable_huge_pages`): with them, a run in
/// three of a large `check` spent almost as long zeroing huge pages in the kernel as computing.
/// The kernel shows the flag in `/proc/PID/status`; the child is held while it is looked at by
/// giving it a table that is a FIFO nobody writes to, which it blocks opening.
#[cfg(target_os = "linux")]
#[test]
fn the_binary_runs_without_transparent_huge_pages() {
    use std::ffi::CString;
    use std::os::unix::ffi::OsStrExt;
    use std::process::{Command, Stdio};
    use std::time::{Duration, Instant};

    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("held.json");
    let c_path = CString::new(fifo.as_os_str().as_bytes()).unwrap();
    // SAFETY: a valid NUL-terminated path; mkfifo touches nothing else.
    assert_eq!(unsafe { libc::mkfifo(c_path.as_ptr(), 0o600) }, 0, "mkfifo");

    let mut child = Command::new(assert_cmd::cargo::cargo_bin("isa-authority"))
        .arg("check")
        .arg(&fifo)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let status_file = format!("/proc/{}/status", child.id());
    let deadline = Instant::now() + Duration::from_secs(20);
    // The flag is set first thing in main. Until then the process may still be the forked test
    // process, or the binary before main: the flag must show once the binary runs, and a
    // binary that has been blocked on the FIFO for a while without it does not set it.
    let mut blocked_since = None;
    let (flag, status) = loop {
        let status = std::fs::read_to_string(&status_file).unwrap();
        let field = |name: &str| {
            status
                .lines()
                .find_map(|line| line.strip_prefix(name))
                .map(|value| value.trim().to_owned())
        };
        let is_binary = field("Name:").is_some_and(|name| name.starts_with("isa-authority"));
        let flag = field("THP_enabled:")
            .expect("the kernel shows THP_enabled in /proc/PID/status (Linux 5.0 and later)");
        if is_binary && flag == "0" {
            break (flag, status);
        }
        if is_binary && field("State:").is_some_and(|state| state.starts_with('S')) {
            let since = *blocked_since.get_or_insert_with(Instant::now);
            if since.elapsed() > Duration::from_secs(2) {
                break (flag, status);
            }
        }
        assert!(
            Instant::now() < deadline,
            "the binary never blocked on the FIFO: {status}"
        );
        std::thread::sleep(Duration::from_millis(10));
    };
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(
        flag, "0",
        "transparent huge pages are still on for the binary: {status}"
    );
}
