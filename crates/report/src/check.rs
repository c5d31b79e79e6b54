//! `check`'s report: the text report grouped by severity, the JSON contract
//! (`{"conflicts", "summary"}`, docs/reference/json-contracts.md) and SARIF, and the
//! `--fail-on` threshold `check` and `conform` share.

use isa_core::conflict::hex_opcode;
use isa_core::{Conflict, ConflictKind, ConflictRef, Detection, Report, Rule, Severity};
use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};
use serde_json::{json, Map, Value};

use crate::diagnostic::{sarif_log, severity_style};
use crate::stream::key;
use crate::style::{paint, Style, MAX_PAD};

isa_core::named_enum! {
    /// The `--fail-on` threshold.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    #[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
    pub enum FailOn {
        /// Fail on critical findings only.
        Critical => "critical",
        /// Fail on errors and above (default).
        Error => "error",
        /// Fail on warnings and above.
        Warning => "warning",
        /// Fail on anything, info included.
        Info => "info",
        /// Never fail because of findings (exit 0 unless the input is bad).
        Never => "never",
    }
}

impl FailOn {
    /// The lowest severity that fails, `None` for `never`.
    pub fn threshold(self) -> Option<Severity> {
        match self {
            FailOn::Critical => Some(Severity::Critical),
            FailOn::Error => Some(Severity::Error),
            FailOn::Warning => Some(Severity::Warning),
            FailOn::Info => Some(Severity::Info),
            FailOn::Never => None,
        }
    }

    /// True when a finding of `severity` fails at this threshold.
    pub fn fails(self, severity: Severity) -> bool {
        self.threshold().is_some_and(|t| severity >= t)
    }
}

/// How much of a report the text form shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TextOptions {
    /// At most this many entry rows per conflict, then `… and N more entries`; `None`: all.
    pub max_entries: Option<usize>,
}

/// The text report (`--format text`), in full.
pub fn render_text(report: &Report, fail_on: FailOn, failed: bool) -> String {
    render_text_with(report, fail_on, failed, TextOptions::default())
}

/// How many conflicts `--summary` shows: the first ones, most severe first.
pub const SUMMARY_TOP: usize = 10;

/// `check --summary` as text: counts by severity and by kind, the first [`SUMMARY_TOP`]
/// conflicts (most severe first) as one line each, and the verdict.
pub fn render_summary(report: &Report, fail_on: FailOn, failed: bool) -> String {
    let conflicts: Vec<ConflictRef> = report.conflicts.iter().map(Conflict::as_ref).collect();
    summary_text(&report.summary, &conflicts, fail_on, failed)
}

/// [`render_summary`] for a [`Detection`]: no conflict's entries are made (a summary of 1,000
/// tables made all 512,000 of them into a report first, which cost more than the full JSON).
pub fn render_detection_summary(detection: &Detection, fail_on: FailOn, failed: bool) -> String {
    let conflicts: Vec<ConflictRef> = detection.conflicts().collect();
    summary_text(detection.summary(), &conflicts, fail_on, failed)
}

fn summary_text(
    s: &isa_core::conflict::Summary,
    conflicts: &[ConflictRef],
    fail_on: FailOn,
    failed: bool,
) -> String {
    let mut out = String::new();
    out.push_str(&format!(
        "{} tables, {} entries ({} instructions): {} conflict{}\n\n",
        s.tables,
        s.entries,
        s.instructions,
        conflicts.len(),
        if conflicts.len() == 1 { "" } else { "s" },
    ));
    let width = ConflictKind::ALL
        .iter()
        .map(|k| k.as_str().len())
        .chain(Severity::DESCENDING.iter().map(|s| s.as_str().len()))
        .max()
        .unwrap_or(0);
    out.push_str("by severity\n");
    for sev in Severity::DESCENDING {
        let n = s.by_severity.get(&sev).copied().unwrap_or(0);
        // Padded before it is painted: escape codes have no width.
        let name = format!("{:width$}", sev.as_str());
        out.push_str(&format!("  {}  {n}\n", paint(severity_style(sev), &name)));
    }
    out.push_str("by kind\n");
    for k in ConflictKind::ALL {
        let n = s.by_kind.get(&k).copied().unwrap_or(0);
        if n > 0 {
            out.push_str(&format!("  {:width$}  {n}\n", k.as_str()));
        }
    }
    if !conflicts.is_empty() {
        let shown = conflicts.len().min(SUMMARY_TOP);
        out.push_str(&format!(
            "\ntop {shown} of {} (most severe first)\n",
            conflicts.len()
        ));
        for c in top(conflicts).take(SUMMARY_TOP) {
            out.push_str(&format!(
                "  {}[{}] {}: {}\n",
                paint(severity_style(c.severity()), c.severity().as_str()),
                c.kind(),
                paint(Style::Dim, c.id()),
                c.message()
            ));
        }
    }
    out.push('\n');
    out.push_str(&verdict_line(fail_on, failed));
    out.push('\n');
    out
}

/// The conflicts most severe first, in report order within a severity (as the full text
/// report lists them).
fn top<'a, 'c>(conflicts: &'a [ConflictRef<'c>]) -> impl Iterator<Item = ConflictRef<'c>> + 'a {
    Severity::DESCENDING.into_iter().flat_map(move |sev| {
        conflicts
            .iter()
            .copied()
            .filter(move |c| c.severity() == sev)
    })
}

/// `check --summary --format json`: `{"summary": {...}, "top": [...]}` — the full document's
/// summary and its first [`SUMMARY_TOP`] conflicts, most severe first, each as in the full
/// document.
pub fn write_summary_json(
    out: impl std::io::Write,
    report: &Report,
    fail_on: FailOn,
    failed: bool,
) -> std::io::Result<()> {
    let conflicts: Vec<ConflictRef> = report.conflicts.iter().map(Conflict::as_ref).collect();
    summary_json(out, &report.summary, &conflicts, fail_on, failed)
}

/// [`write_summary_json`] for a [`Detection`]: only the conflicts shown have their entries
/// made, as they are written.
pub fn write_detection_summary_json(
    out: impl std::io::Write,
    detection: &Detection,
    fail_on: FailOn,
    failed: bool,
) -> std::io::Result<()> {
    let conflicts: Vec<ConflictRef> = detection.conflicts().collect();
    summary_json(out, detection.summary(), &conflicts, fail_on, failed)
}

fn summary_json(
    out: impl std::io::Write,
    summary: &isa_core::conflict::Summary,
    conflicts: &[ConflictRef],
    fail_on: FailOn,
    failed: bool,
) -> std::io::Result<()> {
    let mut w = crate::stream::Pretty::new(out);
    w.open(b'{');
    key!(w, "summary");
    w.value(&Summary {
        summary,
        conflicts: conflicts.len(),
        fail_on,
        failed,
    })?;
    key!(w, "top");
    w.open(b'[');
    let mut fragments = None;
    for c in top(conflicts).take(SUMMARY_TOP) {
        w.element();
        write_conflict(&mut w, c, &mut fragments)?;
    }
    w.close(b']')?;
    w.close(b'}')?;
    w.finish()
}

fn verdict_line(fail_on: FailOn, failed: bool) -> String {
    if failed {
        paint(
            Style::Error,
            &format!("FAIL: conflicts at or above `{}`", fail_on.as_str()),
        )
    } else {
        paint(
            Style::Good,
            &format!("ok: nothing at or above `{}`", fail_on.as_str()),
        )
    }
}

/// The text report with `options`.
pub fn render_text_with(
    report: &Report,
    fail_on: FailOn,
    failed: bool,
    options: TextOptions,
) -> String {
    let mut out = Vec::new();
    write_text(&mut out, report, fail_on, failed, options)
        .expect("writing to memory does not fail");
    String::from_utf8(out).expect("the text is UTF-8")
}

/// Writes [`render_text_with`]'s text to `out` as it is made (the text of 1,000 × 256 tables
/// is 66 MB, which a string grown by doubling held twice over). `out` gets the text in
/// blocks of 64 KiB.
pub fn write_text(
    out: impl std::io::Write,
    report: &Report,
    fail_on: FailOn,
    failed: bool,
    options: TextOptions,
) -> std::io::Result<()> {
    let conflicts: Vec<ConflictRef> = report.conflicts.iter().map(Conflict::as_ref).collect();
    text(out, &report.summary, &conflicts, fail_on, failed, options)
}

/// [`write_text`] for a [`Detection`]: each conflict's entry views are made as its rows are
/// written, never all at once.
pub fn write_detection_text(
    out: impl std::io::Write,
    detection: &Detection,
    fail_on: FailOn,
    failed: bool,
    options: TextOptions,
) -> std::io::Result<()> {
    let conflicts: Vec<ConflictRef> = detection.conflicts().collect();
    text(
        out,
        detection.summary(),
        &conflicts,
        fail_on,
        failed,
        options,
    )
}

/// The one writer of the text report, whatever holds the conflicts.
fn text(
    out: impl std::io::Write,
    s: &isa_core::conflict::Summary,
    conflicts: &[ConflictRef],
    fail_on: FailOn,
    failed: bool,
    options: TextOptions,
) -> std::io::Result<()> {
    use std::io::Write;
    let mut out = std::io::BufWriter::with_capacity(1 << 16, out);
    for severity in Severity::DESCENDING {
        let group: Vec<&ConflictRef> = conflicts
            .iter()
            .filter(|c| c.severity() == severity)
            .collect();
        if group.is_empty() {
            continue;
        }
        let title = format!("{} ({})", severity.as_str().to_uppercase(), group.len());
        write!(out, "{}\n\n", paint(severity_style(severity), &title))?;
        for c in group {
            writeln!(
                out,
                "{}[{}] {}: {}",
                paint(severity_style(severity), severity.as_str()),
                c.kind(),
                paint(Style::Dim, c.id()),
                paint(Style::Bold, c.message())
            )?;
            let width = c
                .entries()
                .map(|e| e.implementation.len())
                .max()
                .unwrap_or(0)
                .min(MAX_PAD);
            let op_width = c
                .entries()
                .map(|e| hex_opcode(e.opcode).len())
                .max()
                .unwrap_or(0)
                .min(MAX_PAD);
            let m_width = c
                .entries()
                .map(|e| e.mnemonic.unwrap_or("-").len())
                .max()
                .unwrap_or(0)
                .min(MAX_PAD);
            let locations: Vec<String> = c
                .entries()
                .map(|e| {
                    e.location
                        .map(|l| l.to_string())
                        .unwrap_or_else(|| "(no location)".into())
                })
                .collect();
            let l_width = locations
                .iter()
                .map(|l| l.len())
                .max()
                .unwrap_or(0)
                .min(MAX_PAD);
            let limit = options.max_entries.unwrap_or(usize::MAX);
            for (e, location) in c.entries().zip(&locations).take(limit) {
                let layout = match (e.format, e.layout) {
                    (Some(f), Some(l)) => format!("  format {f} [{l}]"),
                    (Some(f), None) => format!("  format {f} [layout unknown]"),
                    _ => String::new(),
                };
                let row = format!(
                    "    {:width$}  {:>op_width$}  {:m_width$}  {}{}",
                    e.implementation,
                    hex_opcode(e.opcode),
                    e.mnemonic.unwrap_or("-"),
                    paint(Style::Dim, &format!("{location:l_width$}")),
                    layout,
                );
                writeln!(out, "{}", row.trim_end())?;
            }
            let total = c.entries().len();
            if total > limit {
                let more = total - limit;
                writeln!(
                    out,
                    "    … and {more} more entr{} (--max-entries)",
                    if more == 1 { "y" } else { "ies" }
                )?;
            }
            writeln!(out)?;
        }
    }
    let counts: Vec<String> = Severity::DESCENDING
        .iter()
        .map(|sev| format!("{} {}", s.by_severity.get(sev).copied().unwrap_or(0), sev))
        .collect();
    writeln!(
        out,
        "{} tables, {} entries ({} instructions): {} conflict{} — {}",
        s.tables,
        s.entries,
        s.instructions,
        conflicts.len(),
        if conflicts.len() == 1 { "" } else { "s" },
        counts.join(", ")
    )?;
    writeln!(out, "{}", verdict_line(fail_on, failed))?;
    out.flush()
}

/// One conflict in the JSON contract.
pub fn conflict_json(c: &Conflict) -> Value {
    serde_json::to_value(ConflictDoc(c)).expect("a conflict always serialises")
}

/// The `check --format json` document.
pub fn report_json(report: &Report, fail_on: FailOn, failed: bool) -> Value {
    serde_json::to_value(ReportDoc {
        report,
        fail_on,
        failed,
    })
    .expect("a report always serialises")
}

/// Writes the `check --format json` document to `out` as it is produced — the bytes of
/// `pretty_json(&report_json(..))`, without building the document in memory first (for
/// 1,000 tables that tree was over a gigabyte). The conflicts, nearly all of the bytes, are
/// written by hand through [`crate::stream::Pretty`] (serde_json's pretty printer was a
/// quarter of such a run); the summary goes through [`Summary`]'s `Serialize`, and a test
/// holds both paths to [`report_json`].
pub fn write_report_json(
    out: impl std::io::Write,
    report: &Report,
    fail_on: FailOn,
    failed: bool,
) -> std::io::Result<()> {
    write_json(
        out,
        report.conflicts.iter().map(Conflict::as_ref),
        Summary {
            summary: &report.summary,
            conflicts: report.conflicts.len(),
            fail_on,
            failed,
        },
    )
}

/// [`write_report_json`] for a [`Detection`]: the same bytes, each conflict's entry views
/// made as they are written and never all held at once (a 1,000 × 256 report has 512,000).
pub fn write_detection_json(
    out: impl std::io::Write,
    detection: &Detection,
    fail_on: FailOn,
    failed: bool,
) -> std::io::Result<()> {
    write_json(
        out,
        detection.conflicts(),
        Summary {
            summary: detection.summary(),
            conflicts: detection.len(),
            fail_on,
            failed,
        },
    )
}

/// The one writer of the `check --format json` document, whatever holds the conflicts.
fn write_json<'c>(
    out: impl std::io::Write,
    conflicts: impl Iterator<Item = ConflictRef<'c>>,
    summary: Summary,
) -> std::io::Result<()> {
    let mut w = crate::stream::Pretty::new(out);
    w.open(b'{');
    key!(w, "conflicts");
    w.open(b'[');
    let mut fragments = None;
    for c in conflicts {
        w.element();
        write_conflict(&mut w, c, &mut fragments)?;
    }
    w.close(b']')?;
    key!(w, "summary");
    w.value(&summary)?;
    w.close(b'}')?;
    w.finish()
}

/// One conflict as [`ConflictDoc`] serialises it. `fragments` is the document's cache of
/// the parts of entry objects, made at the first detection's conflict with entries.
fn write_conflict<W: std::io::Write>(
    w: &mut crate::stream::Pretty<W>,
    c: ConflictRef,
    fragments: &mut Option<Fragments>,
) -> std::io::Result<()> {
    w.open(b'{');
    key!(w, "id");
    w.str(c.id());
    key!(w, "kind");
    w.str(c.kind().as_str());
    key!(w, "severity");
    w.str(c.severity().as_str());
    key!(w, "opcode");
    w.opt_uint(c.opcode().map(u64::from));
    key!(w, "mnemonic");
    w.opt_str(c.mnemonic());
    key!(w, "implementations");
    w.open(b'[');
    // A detection's entry ids, read once for both arrays: each is a read of an item scattered
    // over every table (at 1,000 x 256, 1 % of the instructions of `check`, and more of its
    // cache misses, went to reading them twice). The implementations array is at the entries
    // array's depth: one shape serves both.
    let ids = match c.entry_ids() {
        Some(ids) => {
            let f = fragments.get_or_insert_with(|| Fragments::new(EntryShape::new(w)));
            let mut scratch = std::mem::take(&mut f.ids);
            scratch.clear();
            scratch.extend(ids);
            f.write_implementations(w, &c, &scratch)?;
            Some((f, scratch))
        }
        None => {
            for name in c.implementations() {
                w.element();
                w.str(name);
            }
            None
        }
    };
    w.close(b']')?;
    key!(w, "entries");
    w.open(b'[');
    if let Some((f, scratch)) = ids {
        f.write_entries(w, &c, &scratch)?;
        f.ids = scratch;
    } else if c.entries().len() > 0 {
        // Every entry object has one shape at one depth: its keys, separators and indents are
        // laid out once per conflict, and each entry is those fragments and its values (a call
        // per key, comma and indent was most of the writing of a large report).
        let t = EntryShape::new(w);
        for e in c.entries() {
            w.element();
            w.raw(&t.implementation);
            w.str(e.implementation);
            w.raw(&t.opcode);
            w.uint(u64::from(e.opcode));
            t.body(w.buf(), e.mnemonic, e.format, e.layout);
            match e.location {
                Some(l) => {
                    w.raw(&t.file);
                    w.str(l.file);
                    w.raw(&t.line);
                    t.line_to_end(w, l.line, l.column);
                }
                None => w.raw(&t.unlocated_end),
            }
            w.spill()?;
        }
    }
    w.close(b']')?;
    key!(w, "message");
    w.str(c.message());
    w.close(b'}')
}

/// The fixed bytes of an entry object in a conflict's `entries` (see [`write_conflict`]), for
/// the depth of that array: what `open`, `key!` and `close` would write around the values.
struct EntryShape {
    implementation: Vec<u8>,
    /// The line break and indent before an element of the array.
    line_start: Vec<u8>,
    opcode: Vec<u8>,
    mnemonic: Vec<u8>,
    format: Vec<u8>,
    layout: Vec<u8>,
    file: Vec<u8>,
    line: Vec<u8>,
    column: Vec<u8>,
    located_end: Vec<u8>,
    unlocated_end: Vec<u8>,
    /// The depth of the array the entries are in.
    depth: usize,
}

impl EntryShape {
    /// The shape for elements of the array `w` is in.
    fn new<W: std::io::Write>(w: &crate::stream::Pretty<W>) -> EntryShape {
        let mut implementation = vec![b'{'];
        implementation.extend(w.member_prefix(1, true, "implementation"));
        let mut file = w.member_prefix(1, false, "location");
        file.push(b'{');
        file.extend(w.member_prefix(2, true, "file"));
        let mut located_end = w.close_suffix(1, b'}');
        located_end.extend(w.close_suffix(0, b'}'));
        let mut unlocated_end = w.member_prefix(1, false, "location");
        unlocated_end.extend_from_slice(b"null");
        unlocated_end.extend(w.close_suffix(0, b'}'));
        EntryShape {
            line_start: w.line_start(0),
            implementation,
            opcode: w.member_prefix(1, false, "opcode"),
            mnemonic: w.member_prefix(1, false, "mnemonic"),
            format: w.member_prefix(1, false, "format"),
            layout: w.member_prefix(1, false, "layout"),
            file,
            line: w.member_prefix(2, false, "line"),
            column: w.member_prefix(2, false, "column"),
            located_end,
            unlocated_end,
            depth: w.depth(),
        }
    }

    /// The rest of a located entry after its `"line": `: the line, the column and the ends of
    /// the location and entry objects. Inlined: as a call per entry it cost about 5 % of a large
    /// `check`.
    #[inline(always)]
    fn line_to_end<W: std::io::Write>(
        &self,
        w: &mut crate::stream::Pretty<W>,
        line: u32,
        column: u32,
    ) {
        w.uint(u64::from(line));
        w.raw(&self.column);
        w.uint(u64::from(column));
        w.raw(&self.located_end);
    }

    /// Appends an entry's `mnemonic`, `format` and `layout` members.
    fn body(
        &self,
        buf: &mut Vec<u8>,
        mnemonic: Option<&str>,
        format: Option<&str>,
        layout: Option<&str>,
    ) {
        for (prefix, value) in [
            (&self.mnemonic, mnemonic),
            (&self.format, format),
            (&self.layout, layout),
        ] {
            buf.extend_from_slice(prefix);
            crate::stream::opt_str(buf, value);
        }
    }
}

/// The parts of a detection's entry objects that repeat, each laid out once per document:
/// what comes before the number (the implementation), the mnemonic, format and layout
/// members, the file up to its line, and the names of `implementations`, keyed by the views'
/// interned ids
/// ([`isa_core::EntryIds`]). A 1,000 × 256 report is 512,000 entry objects made of 1,000
/// implementations and files and a few hundred bodies; escaping and laying out each piece
/// for every object was most of its writing. Every entry array of a `check` document is at
/// one depth, so one shape serves them all.
struct Fragments {
    shape: EntryShape,
    bytes: Vec<u8>,
    /// Per table: its fragment's range in `bytes`, `(0, 0)` until made.
    tables: Vec<(u32, u32)>,
    /// Per file, the same.
    files: Vec<(u32, u32)>,
    /// Per implementation, its name as a JSON string (for `implementations`), the same.
    names: Vec<(u32, u32)>,
    /// The bodies made, as lists per spelling (`EntryIds::body[0]`; nearly always one body
    /// each): `spellings` holds each list's head in `bodies`, whose elements are the rest of
    /// the body's id, its fragment, and the next body of the spelling (`NONE` ends a list).
    spellings: Vec<u32>,
    bodies: Vec<Body>,
    /// The current conflict's entry ids (kept to reuse its allocation).
    ids: Vec<isa_core::EntryIds>,
}

/// One body in [`Fragments`]: `body[1..]` of its [`isa_core::EntryIds`], its bytes, and the
/// next body of its spelling.
struct Body {
    rest: [u32; 2],
    range: (u32, u32),
    next: u32,
}

/// The end of a list of [`Body`]s.
const NONE: u32 = u32::MAX;

impl Fragments {
    fn new(shape: EntryShape) -> Fragments {
        Fragments {
            shape,
            bytes: Vec::new(),
            tables: Vec::new(),
            files: Vec::new(),
            names: Vec::new(),
            spellings: Vec::new(),
            bodies: Vec::new(),
            ids: Vec::new(),
        }
    }

    /// The fragment of body `id`, made by `make` on first use.
    fn body(&mut self, id: [u32; 3], make: impl FnOnce(&EntryShape, &mut Vec<u8>)) -> (u32, u32) {
        let spelling = id[0] as usize;
        if self.spellings.len() <= spelling {
            self.spellings.resize(spelling + 1, NONE);
        }
        let mut at = self.spellings[spelling];
        while at != NONE {
            let body = &self.bodies[at as usize];
            if body.rest == [id[1], id[2]] {
                return body.range;
            }
            at = body.next;
        }
        let range = Fragments::make(&mut self.bytes, |b| make(&self.shape, b));
        self.bodies.push(Body {
            rest: [id[1], id[2]],
            range,
            next: self.spellings[spelling],
        });
        self.spellings[spelling] = self.bodies.len() as u32 - 1;
        range
    }

    /// The elements of a conflict's `implementations`: its entries' distinct implementations,
    /// which are adjacent (entries are sorted by implementation first).
    fn write_implementations<W: std::io::Write>(
        &mut self,
        w: &mut crate::stream::Pretty<W>,
        c: &ConflictRef,
        ids: &[isa_core::EntryIds],
    ) -> std::io::Result<()> {
        debug_assert_eq!(w.depth(), self.shape.depth, "at the entries' depth");
        let mut last = None;
        for (k, id) in ids.iter().enumerate() {
            if last == Some(id.implementation) {
                continue;
            }
            last = Some(id.implementation);
            let name =
                Fragments::cached(&mut self.bytes, &mut self.names, id.implementation, |b| {
                    let e = c.entry(k).expect("an id per entry");
                    b.extend_from_slice(&self.shape.line_start);
                    crate::stream::escape_str(b, e.implementation);
                });
            w.element_with_line(&self.bytes[name.0 as usize..name.1 as usize]);
            w.spill()?;
        }
        Ok(())
    }

    /// The range of the bytes `make` appends.
    fn make(bytes: &mut Vec<u8>, make: impl FnOnce(&mut Vec<u8>)) -> (u32, u32) {
        let start = bytes.len();
        make(bytes);
        (start as u32, bytes.len() as u32)
    }

    /// The fragment at `slot` of `ranges`, made by `make` on first use.
    fn cached(
        bytes: &mut Vec<u8>,
        ranges: &mut Vec<(u32, u32)>,
        slot: u32,
        make: impl FnOnce(&mut Vec<u8>),
    ) -> (u32, u32) {
        let slot = slot as usize;
        if ranges.len() <= slot {
            ranges.resize(slot + 1, (0, 0));
        }
        if ranges[slot].1 == 0 {
            ranges[slot] = Fragments::make(bytes, make);
        }
        ranges[slot]
    }

    /// The elements of a conflict's `entries`, each made of its fragments and its numbers.
    fn write_entries<W: std::io::Write>(
        &mut self,
        w: &mut crate::stream::Pretty<W>,
        c: &ConflictRef,
        ids: &[isa_core::EntryIds],
    ) -> std::io::Result<()> {
        debug_assert_eq!(w.depth(), self.shape.depth, "entry arrays are at one depth");
        let view = |k: usize| c.entry(k).expect("an id per entry");
        for (k, &id) in ids.iter().enumerate() {
            let body = self.body(id.body, |shape, b| {
                let e = view(k);
                shape.body(b, e.mnemonic, e.format, e.layout);
            });
            let Fragments {
                shape,
                bytes,
                tables,
                files,
                ..
            } = &mut *self;
            let table = Fragments::cached(bytes, tables, id.implementation, |b| {
                // With the element's line break and indent: one copy where `element` wrote
                // them a space at a time.
                b.extend_from_slice(&shape.line_start);
                b.extend_from_slice(&shape.implementation);
                crate::stream::escape_str(b, view(k).implementation);
                b.extend_from_slice(&shape.opcode);
            });
            w.element_with_line(&bytes[table.0 as usize..table.1 as usize]);
            w.uint(u64::from(id.opcode));
            w.raw(&bytes[body.0 as usize..body.1 as usize]);
            match id.file {
                Some(file) => {
                    let file = Fragments::cached(bytes, files, file, |b| {
                        b.extend_from_slice(&shape.file);
                        let location = view(k).location.expect("an id, a location");
                        crate::stream::escape_str(b, location.file);
                        b.extend_from_slice(&shape.line);
                    });
                    w.raw(&bytes[file.0 as usize..file.1 as usize]);
                    shape.line_to_end(w, id.line, id.column);
                }
                None => w.raw(&shape.unlocated_end),
            }
            w.spill()?;
        }
        Ok(())
    }
}

/// The JSON contract (docs/reference/json-contracts.md) as a tree, for [`report_json`];
/// [`write_report_json`] writes the same bytes by hand, held to this by tests.
struct ReportDoc<'a> {
    report: &'a Report,
    fail_on: FailOn,
    failed: bool,
}

impl Serialize for ReportDoc<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let report = self.report;
        let mut m = serializer.serialize_map(Some(2))?;
        m.serialize_entry("conflicts", &Seq(&report.conflicts, ConflictDoc))?;
        m.serialize_entry(
            "summary",
            &Summary {
                summary: &report.summary,
                conflicts: report.conflicts.len(),
                fail_on: self.fail_on,
                failed: self.failed,
            },
        )?;
        m.end()
    }
}

/// A list serialised element by element through a view.
struct Seq<'a, T, V>(&'a [T], fn(&'a T) -> V);

impl<'a, T, V: Serialize> Serialize for Seq<'a, T, V> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut seq = serializer.serialize_seq(Some(self.0.len()))?;
        for item in self.0 {
            seq.serialize_element(&(self.1)(item))?;
        }
        seq.end()
    }
}

/// The document's `summary`: the counts, the number of conflicts and the verdict.
struct Summary<'a> {
    summary: &'a isa_core::conflict::Summary,
    conflicts: usize,
    fail_on: FailOn,
    failed: bool,
}

impl Serialize for Summary<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let s = self.summary;
        let by_severity: Map<String, Value> = Severity::DESCENDING
            .iter()
            .map(|sev| {
                (
                    sev.as_str().to_string(),
                    json!(s.by_severity.get(sev).copied().unwrap_or(0)),
                )
            })
            .collect();
        let by_kind: Map<String, Value> = ConflictKind::ALL
            .iter()
            .map(|k| {
                (
                    k.as_str().to_string(),
                    json!(s.by_kind.get(k).copied().unwrap_or(0)),
                )
            })
            .collect();
        let mut m = serializer.serialize_map(Some(8))?;
        m.serialize_entry("tables", &s.tables)?;
        m.serialize_entry("entries", &s.entries)?;
        m.serialize_entry("instructions", &s.instructions)?;
        m.serialize_entry("conflicts", &self.conflicts)?;
        m.serialize_entry("by_severity", &by_severity)?;
        m.serialize_entry("by_kind", &by_kind)?;
        m.serialize_entry("fail_on", self.fail_on.as_str())?;
        m.serialize_entry("failed", &self.failed)?;
        m.end()
    }
}

struct ConflictDoc<'a>(&'a Conflict);

impl Serialize for ConflictDoc<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let c = self.0;
        let mut m = serializer.serialize_map(Some(8))?;
        m.serialize_entry("id", &c.id)?;
        m.serialize_entry("kind", c.kind.as_str())?;
        m.serialize_entry("severity", c.severity.as_str())?;
        m.serialize_entry("opcode", &c.opcode)?;
        m.serialize_entry("mnemonic", &c.mnemonic)?;
        m.serialize_entry("implementations", &Seq(&c.implementations, |s| &**s))?;
        m.serialize_entry("entries", &Seq(&c.entries, EntryDoc))?;
        m.serialize_entry("message", &c.message)?;
        m.end()
    }
}

struct EntryDoc<'a>(&'a isa_core::conflict::ConflictEntry);

impl Serialize for EntryDoc<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let e = self.0;
        let mut m = serializer.serialize_map(Some(6))?;
        m.serialize_entry("implementation", &*e.implementation)?;
        m.serialize_entry("opcode", &e.opcode)?;
        m.serialize_entry("mnemonic", &e.mnemonic.as_deref())?;
        m.serialize_entry("format", &e.format.as_deref())?;
        m.serialize_entry("layout", &e.layout.as_deref())?;
        m.serialize_entry("location", &e.location.as_deref().map(LocationDoc))?;
        m.end()
    }
}

/// `{"file", "line", "column"}`, as [`crate::diagnostic::location_json`] writes it.
struct LocationDoc<'a>(&'a isa_core::Location);

impl Serialize for LocationDoc<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut m = serializer.serialize_map(Some(3))?;
        m.serialize_entry("file", &*self.0.file)?;
        m.serialize_entry("line", &self.0.line)?;
        m.serialize_entry("column", &self.0.column)?;
        m.end()
    }
}

/// A SARIF 2.1.0 log of a report: one rule per conflict kind, one result per conflict with the
/// first located entry as its location and the others as related locations.
pub fn sarif(report: &Report) -> Value {
    let rules: Vec<Rule> = ConflictKind::ALL.iter().map(|k| k.rule()).collect();
    sarif_log(&rules, report.conflicts.iter().map(Conflict::diagnostic))
}

/// Writes [`sarif`]'s log to `out` as each result is made, without the document's tree (for
/// 1,000 × 256 tables that tree was 2.1 GB for a 246 MB log).
pub fn write_sarif(out: impl std::io::Write, report: &Report) -> std::io::Result<()> {
    let rules: Vec<Rule> = ConflictKind::ALL.iter().map(|k| k.rule()).collect();
    crate::diagnostic::write_sarif_log(
        out,
        &rules,
        report.conflicts.iter().map(Conflict::diagnostic),
    )
}

/// Why a table cannot be decoded unambiguously (see [`isa_core::undecodable`]), in `check`'s
/// words, or `None` when it can: what every command that would otherwise write or serve such a
/// table (gen, translate, propose, the registry) refuses it with. `role` says which table it is
/// (`the target table`).
pub fn undecodable_message(
    table: &isa_core::Table,
    role: &str,
    scheme: &isa_core::Scheme,
    aliases: &isa_core::Aliases,
) -> Option<String> {
    let options = isa_core::CheckOptions {
        aliases: aliases.clone(),
        scheme: scheme.clone(),
        hint_limit: 0,
    };
    let problems = isa_core::undecodable(table, &options);
    if problems.is_empty() {
        return None;
    }
    let mut text = format!(
        "{role} {} cannot be decoded unambiguously ({} problem{}; `check` reports the same):",
        table.implementation,
        problems.len(),
        if problems.len() == 1 { "" } else { "s" }
    );
    const SHOWN: usize = 10;
    for c in problems.iter().take(SHOWN) {
        let line = crate::diagnostic::line(&c.diagnostic(), &table.implementation);
        text.push_str(&format!("\n  {line}"));
    }
    if problems.len() > SHOWN {
        text.push_str(&format!("\n  … and {} more", problems.len() - SHOWN));
    }
    Some(text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use isa_core::{CheckOptions, Entry, Location, Table};

    /// The streamed document is the same bytes as the tree rendered by `pretty_json`, controls
    /// in names and locations included.
    #[test]
    fn the_streamed_report_is_the_rendered_report() {
        let table = |name: &str, entries: Vec<Entry>| Table {
            entries,
            ..Table::new(name)
        };
        let mut located = Entry::new(0x20, "ADD\u{9b}");
        located.location = Some(Location::new("a\u{7f}.toml", 3, 5));
        let tables = vec![
            table("vm-a", vec![located, Entry::new(0x21, "SUB")]),
            table(
                "vm-b\u{85}",
                vec![Entry::new(0x30, "ADD\u{9b}"), Entry::new(0x21, "MUL")],
            ),
        ];
        let mut formatted = Entry::new(0x21, "SUB");
        formatted.format = Some("B".into());
        let with_layouts = vec![
            table("vm-a", vec![formatted.clone()]),
            table(
                "vm-c",
                vec![Entry {
                    opcode: 0x22,
                    ..formatted
                }],
            ),
        ];
        let report = isa_core::detect(&tables, &CheckOptions::new());
        assert!(!report.conflicts.is_empty());
        let layouts = isa_core::detect(&with_layouts, &CheckOptions::new());
        assert!(layouts
            .conflicts
            .iter()
            .any(|c| c.entries.iter().any(|e| e.layout.is_some())));
        // A name given twice (listed once in `implementations`), an entry without a location
        // beside located ones, and one mnemonic with two bodies.
        let mut twice = tables.clone();
        twice.push(table(
            "vm-a",
            vec![Entry::new(0x30, "SUB"), {
                let mut e = Entry::new(0x21, "ADD\u{9b}");
                e.location = Some(Location::new("b.toml", 9, 1));
                e.format = Some("B".into());
                e
            }],
        ));
        for (tables, fail_on, failed) in [
            (&twice[..], FailOn::Error, true),
            (&tables[..], FailOn::Error, true),
            (&tables[..], FailOn::Never, false),
            (&with_layouts[..], FailOn::Error, true),
            (&[][..], FailOn::Info, false),
        ] {
            let report = isa_core::detect(tables, &CheckOptions::new());
            let mut streamed = Vec::new();
            write_report_json(&mut streamed, &report, fail_on, failed).unwrap();
            let rendered = crate::pretty_json(&report_json(&report, fail_on, failed));
            assert_eq!(String::from_utf8(streamed).unwrap(), rendered);
            // The SARIF log written as it goes is the rendered one.
            let mut sarif_bytes = Vec::new();
            write_sarif(&mut sarif_bytes, &report).unwrap();
            assert_eq!(
                String::from_utf8(sarif_bytes).unwrap(),
                crate::pretty_json(&sarif(&report))
            );
            // A detection, its views made as they are written, gives the same bytes.
            let detection = Detection::run(tables, &CheckOptions::new());
            let mut lazy = Vec::new();
            write_detection_json(&mut lazy, &detection, fail_on, failed).unwrap();
            assert_eq!(String::from_utf8(lazy).unwrap(), rendered);
            // And so do the text report (shortened or not) and the summary in both forms.
            for max_entries in [None, Some(0), Some(1)] {
                let options = TextOptions { max_entries };
                let mut from_report = Vec::new();
                write_text(&mut from_report, &report, fail_on, failed, options).unwrap();
                let mut from_detection = Vec::new();
                write_detection_text(&mut from_detection, &detection, fail_on, failed, options)
                    .unwrap();
                assert_eq!(from_report, from_detection);
            }
            assert_eq!(
                render_summary(&report, fail_on, failed),
                render_detection_summary(&detection, fail_on, failed)
            );
            let mut summary = Vec::new();
            write_summary_json(&mut summary, &report, fail_on, failed).unwrap();
            let mut lazy_summary = Vec::new();
            write_detection_summary_json(&mut lazy_summary, &detection, fail_on, failed).unwrap();
            assert_eq!(summary, lazy_summary);
            // The summary's JSON is the full document's summary and its first conflicts,
            // most severe first.
            let full: Value = serde_json::from_str(&rendered).unwrap();
            let summary: Value = serde_json::from_slice(&summary).unwrap();
            assert_eq!(summary["summary"], full["summary"]);
            let mut top: Vec<Value> = full["conflicts"].as_array().unwrap().clone();
            top.sort_by_key(|c| {
                Severity::DESCENDING
                    .iter()
                    .position(|s| c["severity"] == s.as_str())
            });
            top.truncate(SUMMARY_TOP);
            assert_eq!(summary["top"], Value::Array(top));
        }
    }
}
