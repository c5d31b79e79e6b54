//! The store's folders, opened without following symbolic links.
//!
//! A store is a directory in a git repository, and git records symbolic links: a pull request
//! (or anyone who can write to the checkout) can turn `proposals/` into a link to some other
//! directory, or `lock` into a link to a path that does not exist yet. A store command that
//! followed such a link would write outside the store, or create files where the link points,
//! while `verify` checked the store as if nothing were wrong. So no store command follows a
//! link inside the store, and this module is how.
//!
//! On Unix every access goes through a handle on a directory. The store's root is opened once
//! per command (it is the path the user gave, so it may itself be a link); each folder is opened
//! relative to the root's handle with `O_NOFOLLOW | O_DIRECTORY`, each file relative to its
//! folder's handle with `O_NOFOLLOW`, and a written file is created (`O_EXCL`) and renamed
//! inside that folder's handle. A link is therefore refused by the very system call that would
//! have followed it — there is no check before the use that a swapped link could slip between —
//! and a folder swapped for a link after it was opened changes nothing, since the handle still
//! names the original. Files are opened with `O_NONBLOCK` and checked to be regular files, so a
//! FIFO planted in the store cannot hang a command.
//!
//! Elsewhere (`portable`, built on other platforms and in tests) the same operations check
//! `symlink_metadata` before each use, which leaves a window between check and use; it keeps
//! the store usable there without claiming more.

use std::path::Path;

use crate::error::HistoryError;

/// What a directory entry is, as seen without following links.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    File,
    Folder,
    Symlink,
    /// A FIFO, socket or device.
    Special,
}

/// The name of the temporary file an atomic write of `name` goes through (`.NAME.tmp-PID-N`,
/// the same scheme as `isa_io::atomic_write`, which [`crate::verify::is_temp_name`] knows).
fn temp_name(name: &str) -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| u64::from(d.subsec_nanos()))
        .unwrap_or(0);
    let n = (COUNTER.fetch_add(1, Ordering::Relaxed) << 32) ^ nanos;
    format!(".{name}.tmp-{}-{n}", std::process::id())
}

fn not_regular(path: &Path) -> HistoryError {
    HistoryError::io(
        path,
        std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            "not a regular file (a store holds only files and its own folders)",
        ),
    )
}

#[cfg(unix)]
pub(crate) use self::unix::Folder;

#[cfg(not(unix))]
pub(crate) use self::portable::Folder;

#[cfg(unix)]
mod unix {
    use std::fs::File;
    use std::io::{Read, Write};
    use std::os::fd::OwnedFd;
    use std::path::{Path, PathBuf};

    use rustix::fs::{AtFlags, Dir, FileType, Mode, OFlags, CWD};
    use rustix::io::Errno;

    use super::{not_regular, temp_name, Kind};
    use crate::error::HistoryError;

    /// A directory of the store, held open (see the module documentation).
    #[derive(Debug)]
    pub(crate) struct Folder {
        path: PathBuf,
        fd: OwnedFd,
    }

    fn kind_of(file_type: FileType) -> Kind {
        match file_type {
            FileType::RegularFile => Kind::File,
            FileType::Directory => Kind::Folder,
            FileType::Symlink => Kind::Symlink,
            _ => Kind::Special,
        }
    }

    impl Folder {
        /// Opens the store's root. It is the user's path, so a link there is followed.
        pub(crate) fn open_root(path: &Path) -> Result<Folder, HistoryError> {
            let flags = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC;
            let fd = rustix::fs::openat(CWD, path, flags, Mode::empty())
                .map_err(|e| HistoryError::io(path, e.into()))?;
            Ok(Folder {
                path: path.to_path_buf(),
                fd,
            })
        }

        /// The path of an entry, for messages.
        pub(crate) fn join(&self, name: &str) -> PathBuf {
            self.path.join(name)
        }

        /// What `name` is, without following it; `None` when it does not exist.
        pub(crate) fn kind(&self, name: &str) -> Result<Option<Kind>, HistoryError> {
            match rustix::fs::statat(&self.fd, name, AtFlags::SYMLINK_NOFOLLOW) {
                Ok(stat) => Ok(Some(kind_of(FileType::from_raw_mode(stat.st_mode as _)))),
                Err(Errno::NOENT) => Ok(None),
                Err(e) => Err(HistoryError::io(self.join(name), e.into())),
            }
        }

        /// The error for a failed open of `name`: a link is named as such (the open refused to
        /// follow it; looking afterwards only explains why), anything else is an IO error.
        fn refused(&self, name: &str, error: Errno) -> HistoryError {
            match self.kind(name) {
                Ok(Some(Kind::Symlink)) => HistoryError::Symlink(self.join(name)),
                _ => HistoryError::io(self.join(name), error.into()),
            }
        }

        fn open(
            &self,
            name: &str,
            flags: OFlags,
            mode: Mode,
        ) -> Result<Option<OwnedFd>, HistoryError> {
            debug_assert!(!name.contains('/'), "{name}");
            match rustix::fs::openat(
                &self.fd,
                name,
                flags | OFlags::NOFOLLOW | OFlags::CLOEXEC,
                mode,
            ) {
                Ok(fd) => Ok(Some(fd)),
                Err(Errno::NOENT) => Ok(None),
                Err(e) => Err(self.refused(name, e)),
            }
        }

        /// The sub-folder `name`; `None` when it does not exist.
        pub(crate) fn folder(&self, name: &str) -> Result<Option<Folder>, HistoryError> {
            let fd = self.open(name, OFlags::RDONLY | OFlags::DIRECTORY, Mode::empty())?;
            Ok(fd.map(|fd| Folder {
                path: self.join(name),
                fd,
            }))
        }

        /// The sub-folder `name`, created (with the default mode, less the umask) if needed.
        pub(crate) fn create_folder(&self, name: &str) -> Result<Folder, HistoryError> {
            match rustix::fs::mkdirat(&self.fd, name, Mode::from_raw_mode(0o777)) {
                Ok(()) | Err(Errno::EXIST) => {}
                Err(e) => return Err(HistoryError::io(self.join(name), e.into())),
            }
            self.folder(name)?.ok_or_else(|| {
                HistoryError::io(self.join(name), std::io::ErrorKind::NotFound.into())
            })
        }

        /// Every entry but `.` and `..`, sorted by name, each with what it is.
        pub(crate) fn entries(&self) -> Result<Vec<(String, Kind)>, HistoryError> {
            let fail = |e: Errno| HistoryError::io(&self.path, e.into());
            let mut out = Vec::new();
            for entry in Dir::read_from(&self.fd).map_err(fail)? {
                let entry = entry.map_err(fail)?;
                let bytes = entry.file_name().to_bytes();
                if bytes == b"." || bytes == b".." {
                    continue;
                }
                let name = String::from_utf8_lossy(bytes).into_owned();
                let kind = match entry.file_type() {
                    // Some file systems do not say in the listing; ask, still without following.
                    FileType::Unknown => match self.kind(&name)? {
                        Some(kind) => kind,
                        None => continue,
                    },
                    file_type => kind_of(file_type),
                };
                out.push((name, kind));
            }
            out.sort_by(|a, b| a.0.cmp(&b.0));
            Ok(out)
        }

        /// The bytes of the regular file `name`; `None` when it does not exist.
        pub(crate) fn read(&self, name: &str) -> Result<Option<Vec<u8>>, HistoryError> {
            let Some(fd) = self.open(name, OFlags::RDONLY | OFlags::NONBLOCK, Mode::empty())?
            else {
                return Ok(None);
            };
            let path = self.join(name);
            let stat = rustix::fs::fstat(&fd).map_err(|e| HistoryError::io(&path, e.into()))?;
            if FileType::from_raw_mode(stat.st_mode as _) != FileType::RegularFile {
                return Err(not_regular(&path));
            }
            let mut bytes = Vec::new();
            File::from(fd)
                .read_to_end(&mut bytes)
                .map_err(|e| HistoryError::io(&path, e))?;
            Ok(Some(bytes))
        }

        /// Writes `name` atomically: a new temporary file in this folder, fsynced, renamed over
        /// `name` (a rename replaces a link rather than following it), then the folder fsynced
        /// so the rename survives a crash.
        pub(crate) fn write(&self, name: &str, bytes: &[u8]) -> Result<(), HistoryError> {
            let tmp = temp_name(name);
            let result = (|| -> Result<(), HistoryError> {
                let flags = OFlags::WRONLY | OFlags::CREATE | OFlags::EXCL;
                let fd = self
                    .open(&tmp, flags, Mode::from_raw_mode(0o666))?
                    .ok_or_else(|| {
                        HistoryError::io(&self.path, std::io::ErrorKind::NotFound.into())
                    })?;
                let mut file = File::from(fd);
                let io = |e| HistoryError::io(self.join(&tmp), e);
                file.write_all(bytes).map_err(io)?;
                file.sync_all().map_err(io)?;
                drop(file);
                rustix::fs::renameat(&self.fd, tmp.as_str(), &self.fd, name)
                    .map_err(|e| HistoryError::io(self.join(name), e.into()))?;
                rustix::fs::fsync(&self.fd).map_err(|e| HistoryError::io(&self.path, e.into()))
            })();
            if result.is_err() {
                let _ = rustix::fs::unlinkat(&self.fd, tmp.as_str(), AtFlags::empty());
            }
            result
        }

        /// Removes the entry `name` (a link is removed, not what it points to).
        pub(crate) fn remove(&self, name: &str) {
            let _ = rustix::fs::unlinkat(&self.fd, name, AtFlags::empty());
        }

        /// Where the link `name` points, for messages.
        pub(crate) fn link_target(&self, name: &str) -> String {
            match rustix::fs::readlinkat(&self.fd, name, Vec::new()) {
                Ok(target) => target.to_string_lossy().into_owned(),
                Err(_) => "?".to_string(),
            }
        }

        /// Opens the lock file `name`, creating it (empty) when `create`; `None` when it does
        /// not exist and is not to be created.
        pub(crate) fn open_lock(
            &self,
            name: &str,
            create: bool,
        ) -> Result<Option<File>, HistoryError> {
            let flags = if create {
                OFlags::RDWR | OFlags::CREATE
            } else {
                OFlags::RDONLY | OFlags::NONBLOCK
            };
            let Some(fd) = self.open(name, flags, Mode::from_raw_mode(0o666))? else {
                return Ok(None);
            };
            let path = self.join(name);
            let stat = rustix::fs::fstat(&fd).map_err(|e| HistoryError::io(&path, e.into()))?;
            if FileType::from_raw_mode(stat.st_mode as _) != FileType::RegularFile {
                return Err(not_regular(&path));
            }
            Ok(Some(File::from(fd)))
        }
    }
}

/// The check-then-use variant for platforms without `openat` (see the module documentation).
#[cfg(any(not(unix), test))]
mod portable {
    use std::fs::{self, File, OpenOptions};
    use std::io::Write;
    use std::path::{Path, PathBuf};

    use super::{not_regular, temp_name, Kind};
    use crate::error::HistoryError;

    #[derive(Debug)]
    pub(crate) struct Folder {
        path: PathBuf,
    }

    fn kind_of(file_type: fs::FileType) -> Kind {
        if file_type.is_symlink() {
            Kind::Symlink
        } else if file_type.is_dir() {
            Kind::Folder
        } else if file_type.is_file() {
            Kind::File
        } else {
            Kind::Special
        }
    }

    impl Folder {
        pub(crate) fn open_root(path: &Path) -> Result<Folder, HistoryError> {
            let meta = fs::metadata(path).map_err(|e| HistoryError::io(path, e))?;
            if !meta.is_dir() {
                return Err(HistoryError::io(
                    path,
                    std::io::Error::new(std::io::ErrorKind::InvalidInput, "not a directory"),
                ));
            }
            Ok(Folder {
                path: path.to_path_buf(),
            })
        }

        pub(crate) fn join(&self, name: &str) -> PathBuf {
            self.path.join(name)
        }

        pub(crate) fn kind(&self, name: &str) -> Result<Option<Kind>, HistoryError> {
            match fs::symlink_metadata(self.join(name)) {
                Ok(meta) => Ok(Some(kind_of(meta.file_type()))),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
                Err(e) => Err(HistoryError::io(self.join(name), e)),
            }
        }

        /// `name`'s kind, refusing a link.
        fn checked(&self, name: &str) -> Result<Option<Kind>, HistoryError> {
            match self.kind(name)? {
                Some(Kind::Symlink) => Err(HistoryError::Symlink(self.join(name))),
                kind => Ok(kind),
            }
        }

        pub(crate) fn folder(&self, name: &str) -> Result<Option<Folder>, HistoryError> {
            match self.checked(name)? {
                None => Ok(None),
                Some(Kind::Folder) => Ok(Some(Folder {
                    path: self.join(name),
                })),
                Some(_) => Err(HistoryError::io(
                    self.join(name),
                    std::io::Error::new(std::io::ErrorKind::InvalidInput, "not a directory"),
                )),
            }
        }

        pub(crate) fn create_folder(&self, name: &str) -> Result<Folder, HistoryError> {
            if self.checked(name)?.is_none() {
                fs::create_dir(self.join(name))
                    .map_err(|e| HistoryError::io(self.join(name), e))?;
            }
            self.folder(name)?.ok_or_else(|| {
                HistoryError::io(self.join(name), std::io::ErrorKind::NotFound.into())
            })
        }

        pub(crate) fn entries(&self) -> Result<Vec<(String, Kind)>, HistoryError> {
            let io = |e| HistoryError::io(&self.path, e);
            let mut out = Vec::new();
            for entry in fs::read_dir(&self.path).map_err(io)? {
                let entry = entry.map_err(io)?;
                // DirEntry::file_type does not follow links.
                let kind = kind_of(entry.file_type().map_err(io)?);
                out.push((entry.file_name().to_string_lossy().into_owned(), kind));
            }
            out.sort_by(|a, b| a.0.cmp(&b.0));
            Ok(out)
        }

        pub(crate) fn read(&self, name: &str) -> Result<Option<Vec<u8>>, HistoryError> {
            match self.checked(name)? {
                None => Ok(None),
                Some(Kind::File) => fs::read(self.join(name))
                    .map(Some)
                    .map_err(|e| HistoryError::io(self.join(name), e)),
                Some(_) => Err(not_regular(&self.join(name))),
            }
        }

        pub(crate) fn write(&self, name: &str, bytes: &[u8]) -> Result<(), HistoryError> {
            let tmp = self.join(&temp_name(name));
            let result = (|| -> std::io::Result<()> {
                let mut file = OpenOptions::new().write(true).create_new(true).open(&tmp)?;
                file.write_all(bytes)?;
                file.sync_all()?;
                drop(file);
                fs::rename(&tmp, self.join(name))?;
                // Where a folder can be opened, fsync it so the rename survives a crash.
                if let Ok(dir) = File::open(&self.path) {
                    let _ = dir.sync_all();
                }
                Ok(())
            })();
            if result.is_err() {
                let _ = fs::remove_file(&tmp);
            }
            result.map_err(|e| HistoryError::io(self.join(name), e))
        }

        pub(crate) fn remove(&self, name: &str) {
            let _ = fs::remove_file(self.join(name));
        }

        pub(crate) fn link_target(&self, name: &str) -> String {
            match fs::read_link(self.join(name)) {
                Ok(target) => target.display().to_string(),
                Err(_) => "?".to_string(),
            }
        }

        pub(crate) fn open_lock(
            &self,
            name: &str,
            create: bool,
        ) -> Result<Option<File>, HistoryError> {
            match self.checked(name)? {
                None if !create => Ok(None),
                None | Some(Kind::File) => {
                    let mut options = OpenOptions::new();
                    options.read(true);
                    if create {
                        options.write(true).create(true).truncate(false);
                    }
                    options
                        .open(self.join(name))
                        .map(Some)
                        .map_err(|e| HistoryError::io(self.join(name), e))
                }
                Some(_) => Err(not_regular(&self.join(name))),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The same behaviour, whichever implementation: both are tested here on Unix.
    macro_rules! behaviour {
        ($module:ident) => {
            mod $module {
                use std::path::{Path, PathBuf};

                use super::super::$module::Folder;
                use super::super::*;

                fn setup() -> (tempfile::TempDir, Folder, PathBuf) {
                    let dir = tempfile::tempdir().unwrap();
                    let root = dir.path().join("store");
                    std::fs::create_dir(&root).unwrap();
                    let outside = dir.path().join("outside");
                    std::fs::create_dir(&outside).unwrap();
                    let folder = Folder::open_root(&root).unwrap();
                    (dir, folder, outside)
                }

                fn is_link_error(result: Result<impl std::fmt::Debug, HistoryError>, path: &Path) {
                    match result {
                        Err(HistoryError::Symlink(p)) => assert_eq!(p, path),
                        other => panic!(
                            "expected a link refusal for {}, got {other:?}",
                            path.display()
                        ),
                    }
                }

                #[test]
                fn files_and_folders() {
                    let (_dir, root, _) = setup();
                    assert_eq!(root.read("x").unwrap(), None);
                    root.write("x", b"one").unwrap();
                    root.write("x", b"two").unwrap();
                    assert_eq!(root.read("x").unwrap(), Some(b"two".to_vec()));
                    let sub = root.create_folder("sub").unwrap();
                    root.create_folder("sub").unwrap();
                    sub.write("y", b"3").unwrap();
                    assert_eq!(
                        root.entries().unwrap(),
                        vec![
                            ("sub".to_string(), Kind::Folder),
                            ("x".to_string(), Kind::File)
                        ]
                    );
                    assert_eq!(sub.entries().unwrap(), vec![("y".to_string(), Kind::File)]);
                    assert!(root.folder("none").unwrap().is_none());
                    assert!(root.open_lock("lock", false).unwrap().is_none());
                    assert!(root.open_lock("lock", true).unwrap().is_some());
                    assert_eq!(root.read("lock").unwrap(), Some(Vec::new()));
                    root.remove("x");
                    assert_eq!(root.kind("x").unwrap(), None);
                }

                #[cfg(unix)]
                #[test]
                fn links_are_never_followed() {
                    use std::os::unix::fs::symlink;
                    let (dir, root, outside) = setup();
                    std::fs::write(outside.join("f"), "secret").unwrap();
                    symlink(&outside, root.join("dir")).unwrap();
                    symlink(outside.join("f"), root.join("file")).unwrap();
                    let missing = dir.path().join("missing");
                    symlink(&missing, root.join("lock")).unwrap();
                    is_link_error(root.folder("dir"), &root.join("dir"));
                    is_link_error(root.create_folder("dir"), &root.join("dir"));
                    is_link_error(root.read("file"), &root.join("file"));
                    is_link_error(root.open_lock("lock", true), &root.join("lock"));
                    is_link_error(root.open_lock("lock", false), &root.join("lock"));
                    assert!(!missing.exists(), "the lock link's target was created");
                    assert_eq!(root.kind("dir").unwrap(), Some(Kind::Symlink));
                    assert_eq!(root.link_target("dir"), outside.display().to_string());
                    let kinds: Vec<Kind> = root
                        .entries()
                        .unwrap()
                        .into_iter()
                        .map(|(_, k)| k)
                        .collect();
                    assert_eq!(kinds, [Kind::Symlink; 3]);
                    // Writing over a link replaces the link; what it pointed to is untouched.
                    root.write("file", b"mine").unwrap();
                    assert_eq!(std::fs::read(outside.join("f")).unwrap(), b"secret");
                    assert_eq!(root.kind("file").unwrap(), Some(Kind::File));
                    // Removing a link removes the link.
                    root.remove("dir");
                    assert!(outside.join("f").exists());
                }

                #[cfg(unix)]
                #[test]
                fn special_files_are_refused_without_blocking() {
                    let (_dir, root, _) = setup();
                    let fifo = root.join("fifo");
                    rustix::fs::mknodat(
                        rustix::fs::CWD,
                        &fifo,
                        rustix::fs::FileType::Fifo,
                        rustix::fs::Mode::from_raw_mode(0o644),
                        0,
                    )
                    .unwrap();
                    assert_eq!(root.kind("fifo").unwrap(), Some(Kind::Special));
                    let err = root.read("fifo").unwrap_err().to_string();
                    assert!(err.contains("not a regular file"), "{err}");
                    let err = root.open_lock("fifo", false).unwrap_err().to_string();
                    assert!(err.contains("not a regular file"), "{err}");
                }
            }
        };
    }

    #[cfg(unix)]
    behaviour!(unix);
    behaviour!(portable);

    #[test]
    fn temp_names_are_what_verify_ignores() {
        let name = temp_name("000001-1.0.0.json");
        assert!(crate::verify::is_temp_name(&name), "{name}");
        assert_ne!(name, temp_name("000001-1.0.0.json"));
    }
}
