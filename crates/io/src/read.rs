//! From a spanned value tree to a [`Table`], with every check the model needs.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Display;
use std::ops::Range;
use std::path::Path;

use isa_core::{
    Date, Encoding, Endian, Entry, EntryText, Field, FieldKind, Layout, Location, Status, Table,
};

use crate::error::LoadError;
use crate::value::{parse_json, parse_toml, Kind, LineIndex, Node};

/// The on-disk formats of a table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TableFormat {
    /// The JSON interchange shape.
    Json,
    /// The TOML format for people.
    Toml,
}

impl TableFormat {
    /// The format a path's extension names, if it is a table file.
    pub fn from_path(path: &Path) -> Option<TableFormat> {
        match path.extension()?.to_str()?.to_ascii_lowercase().as_str() {
            "json" => Some(TableFormat::Json),
            "toml" => Some(TableFormat::Toml),
            _ => None,
        }
    }
}

/// Reads a table file (`.json` or `.toml`). `-` reads a table from standard input, JSON when
/// its first non-blank character is `{`, else TOML; messages call it `<stdin>`.
pub fn load_table(path: &Path) -> Result<Table, LoadError> {
    let stdin = path.as_os_str() == "-";
    let file = if stdin {
        "<stdin>".to_string()
    } else {
        path.display().to_string()
    };
    let format = match TableFormat::from_path(path) {
        Some(f) => Some(f),
        None if stdin => None,
        None => {
            return Err(LoadError::file(
                &file,
                "not a table file: expected a .json or .toml extension",
            )
            .with_hint("source files are read by `isa-authority scan`"))
        }
    };
    let bytes = crate::fsutil::read_limited(path, crate::fsutil::max_input())
        .map_err(|e| LoadError::file(&file, format!("cannot read: {e}")))?;
    let text = String::from_utf8(bytes).map_err(|e| {
        let offset = e.utf8_error().valid_up_to();
        let text = String::from_utf8_lossy(&e.into_bytes()[..offset]).into_owned();
        let (line, column) = LineIndex::new(&text).locate(&text, offset);
        LoadError {
            file: file.clone(),
            line,
            column,
            message: format!("not UTF-8 text (invalid byte at offset {offset})"),
            hint: None,
        }
    })?;
    let format = format.unwrap_or_else(|| {
        let body = text.trim_start_matches('\u{feff}').trim_start();
        if body.starts_with('{') {
            TableFormat::Json
        } else {
            TableFormat::Toml
        }
    });
    parse_table(&file, &text, format)
}

/// Reads many table files, collecting every error rather than stopping at the first, and
/// rejects two files that name the same implementation.
///
/// Files are read and parsed on all cores (each file is independent; for 1,000 tables loading
/// was a third of `check`'s time), and the results are kept in the order of `paths`, so the
/// outcome never depends on the number of threads.
pub fn load_tables<P: AsRef<Path> + Sync>(paths: &[P]) -> Result<Vec<Table>, Vec<LoadError>> {
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(paths.len().div_ceil(8).max(1));
    let results: Vec<Result<Table, LoadError>> = if threads <= 1 {
        paths.iter().map(|p| load_table(p.as_ref())).collect()
    } else {
        let chunk = paths.len().div_ceil(threads);
        std::thread::scope(|scope| {
            let workers: Vec<_> = paths
                .chunks(chunk)
                .map(|part| {
                    scope.spawn(move || {
                        part.iter()
                            .map(|p| load_table(p.as_ref()))
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            workers
                .into_iter()
                .flat_map(|w| match w.join() {
                    Ok(results) => results,
                    // A reader never panics on input (the fuzz targets hold it to that); were
                    // one to, the panic is the bug to see, not a silently missing table.
                    Err(panic) => std::panic::resume_unwind(panic),
                })
                .collect()
        })
    };
    let mut tables = Vec::new();
    let mut errors = Vec::new();
    for result in results {
        match result {
            Ok(t) => tables.push(t),
            Err(e) => errors.push(e),
        }
    }
    errors.extend(duplicate_implementations(&tables));
    if errors.is_empty() {
        Ok(tables)
    } else {
        Err(errors)
    }
}

/// One error per table whose implementation name an earlier table already uses.
pub fn duplicate_implementations(tables: &[Table]) -> Vec<LoadError> {
    let mut seen: BTreeMap<&str, &Table> = BTreeMap::new();
    let mut errors = Vec::new();
    for table in tables {
        if let Some(first) = seen.get(table.implementation.as_str()) {
            let (file, line, column) = table.location.as_ref().map_or((String::new(), 0, 0), |l| {
                (l.file.to_string(), l.line, l.column)
            });
            let first_at = first
                .location
                .as_ref()
                .map_or(String::from("another input"), |l| l.to_string());
            errors.push(
                LoadError {
                    file,
                    line,
                    column,
                    message: format!(
                        "implementation `{}` is already defined by {first_at}",
                        table.implementation
                    ),
                    hint: None,
                }
                .with_hint(
                    "each implementation must appear in exactly one input; rename one of them",
                ),
            );
        } else {
            seen.insert(&table.implementation, table);
        }
    }
    errors
}

/// Parses a table from text.
pub fn parse_table(file: &str, text: &str, format: TableFormat) -> Result<Table, LoadError> {
    read(file, text, format, true)
}

/// [`parse_table`] without the one-pass reader of the common JSON shape (`fast.rs`): always the
/// value tree and its walker. Only for holding the two to one answer (a property test and the
/// `read_table_json` fuzz target); not used to read tables.
#[doc(hidden)]
pub fn parse_table_general(
    file: &str,
    text: &str,
    format: TableFormat,
) -> Result<Table, LoadError> {
    read(file, text, format, false)
}

/// The one-pass reader of the common JSON shape alone: `None` where it gives up (see
/// [`parse_table_general`]).
#[doc(hidden)]
pub fn parse_table_common_shape(file: &str, text: &str) -> Option<Table> {
    crate::fast::table(&Reader::new(file, text, TableFormat::Json), text)
}

fn read(file: &str, text: &str, format: TableFormat, fast: bool) -> Result<Table, LoadError> {
    let reader = Reader::new(file, text, format);
    if fast && format == TableFormat::Json {
        // The common shape in one pass; anything else (and every error) the general way.
        if let Some(table) = crate::fast::table(&reader, text) {
            return Ok(table);
        }
        reader.line_cursor.set(0);
    }
    let root = match format {
        TableFormat::Json => parse_json(file, text)?,
        TableFormat::Toml => parse_toml(file, text, &reader.index)?,
    };
    reader.table(&root)
}

/// The largest instruction size a table may give, in bytes (a format's `size`, an entry's
/// `size_bytes`); both JSON readers hold entries to it.
pub(crate) const MAX_SIZE_BYTES: u64 = 65_535;

/// `opcodes[N]`, an entry's name in messages.
#[derive(Clone, Copy)]
struct EntryName(usize);

impl Display for EntryName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "opcodes[{}]", self.0)
    }
}

/// The members of an entry the reader knows, found in one pass over the entry's keys (a lookup
/// per field compared each of a dozen wanted names with every key of every entry).
#[derive(Default)]
struct EntryFields<'n> {
    opcode: Option<&'n Node<'n>>,
    mnemonic: Option<&'n Node<'n>>,
    format: Option<&'n Node<'n>>,
    status: Option<&'n Node<'n>>,
    branch: Option<&'n Node<'n>>,
    category: Option<&'n Node<'n>>,
    description: Option<&'n Node<'n>>,
    operands: Option<&'n Node<'n>>,
    reserved: Option<&'n Node<'n>>,
    size_bytes: Option<&'n Node<'n>>,
    source_name: Option<&'n Node<'n>>,
}

impl<'n> EntryFields<'n> {
    /// The known members of an entry; other keys are ignored, as the interchange shape allows.
    /// A repeated key is refused here, in the same pass: `Err(i)` names the first member, in
    /// file order, whose key an earlier member has (what `Reader::object` finds for other
    /// objects). A known key is repeated when its slot is taken; unknown keys, rare, are
    /// compared with the unknown keys before them.
    fn of(props: &'n Props<'n>) -> Result<EntryFields<'n>, usize> {
        let mut f = EntryFields::default();
        let mut unknown: Vec<&str> = Vec::new();
        for (i, (key, _, value)) in props.iter().enumerate() {
            let slot = match &**key {
                "opcode" => &mut f.opcode,
                "mnemonic" => &mut f.mnemonic,
                "format" => &mut f.format,
                "status" => &mut f.status,
                "branch" => &mut f.branch,
                "category" => &mut f.category,
                "description" => &mut f.description,
                "operands" => &mut f.operands,
                "reserved" => &mut f.reserved,
                "size_bytes" => &mut f.size_bytes,
                "source_name" => &mut f.source_name,
                other => {
                    if unknown.contains(&other) {
                        return Err(i);
                    }
                    unknown.push(other);
                    continue;
                }
            };
            if slot.is_some() {
                return Err(i);
            }
            *slot = Some(value);
        }
        Ok(f)
    }
}

pub(crate) struct Reader<'a> {
    file: &'a str,
    /// The file name every entry's location shares.
    shared_file: std::sync::Arc<str>,
    text: &'a str,
    index: LineIndex,
    /// The line of the last location made (`LineIndex::locate_from`).
    line_cursor: std::cell::Cell<usize>,
    format: TableFormat,
}

type Props<'n> = [(Cow<'n, str>, Range<usize>, Node<'n>)];

impl<'a> Reader<'a> {
    fn new(file: &'a str, text: &'a str, format: TableFormat) -> Reader<'a> {
        Reader {
            file,
            shared_file: std::sync::Arc::from(file),
            text,
            index: LineIndex::new(text),
            line_cursor: std::cell::Cell::new(0),
            format,
        }
    }

    fn error(&self, span: &Range<usize>, message: impl Into<String>) -> LoadError {
        let (line, column) = self.index.locate(self.text, span.start);
        LoadError {
            file: self.file.to_string(),
            line,
            column,
            message: message.into(),
            hint: None,
        }
    }

    pub(crate) fn location(&self, span: &Range<usize>) -> Location {
        // Entries are read in file order, so the line search resumes where the last ended.
        let mut cursor = self.line_cursor.get();
        let (line, column) = self.index.locate_from(self.text, span.start, &mut cursor);
        self.line_cursor.set(cursor);
        Location::shared(self.shared_file.clone(), line, column)
    }

    /// An object's members, its keys checked for repeats.
    fn object<'n>(&self, node: &'n Node, what: impl Display) -> Result<&'n Props<'n>, LoadError> {
        let props = self.members(node, &what)?;
        // The first repeat of a key, in file order. A small object has a handful of keys:
        // comparing each with those before it allocates nothing, where a set per object was a
        // quarter of loading a large table; a large object gets the set.
        let repeat = if props.len() <= 16 {
            (1..props.len()).find(|&i| props[..i].iter().any(|p| p.0 == props[i].0))
        } else {
            let mut keys = BTreeSet::new();
            props.iter().position(|p| !keys.insert(&*p.0))
        };
        if let Some(i) = repeat {
            let (key, span, _) = &props[i];
            return Err(self.error(span, format!("duplicate key `{key}` in {what}")));
        }
        Ok(props)
    }

    /// An object's members, unchecked for repeated keys (the caller checks them).
    fn members<'n>(&self, node: &'n Node, what: impl Display) -> Result<&'n Props<'n>, LoadError> {
        match &node.kind {
            Kind::Object(props) => Ok(props),
            other => Err(self.error(
                &node.span,
                format!("{what} must be an object, found {}", other.describe()),
            )),
        }
    }

    fn get<'n>(props: &'n Props<'n>, key: &str) -> Option<&'n Node<'n>> {
        props.iter().find(|(k, _, _)| k == key).map(|(_, _, v)| v)
    }

    /// An optional string: absent and null are `None`.
    fn opt_str(
        &self,
        node: Option<&Node>,
        key: &str,
        what: impl Display,
    ) -> Result<Option<String>, LoadError> {
        match node {
            None => Ok(None),
            Some(Node {
                kind: Kind::Null, ..
            }) => Ok(None),
            Some(Node {
                kind: Kind::Str(s),
                span,
            }) => {
                // Every string of a table is text (names are held to the stricter
                // `check_name` by their callers).
                isa_core::mnemonic::check_text(s)
                    .map_err(|e| self.error(span, format!("`{key}` of {what} {e}")))?;
                Ok(Some(s.to_string()))
            }
            Some(n) => Err(self.error(
                &n.span,
                format!(
                    "`{key}` of {what} must be a string, found {}",
                    n.kind.describe()
                ),
            )),
        }
    }

    /// `operands` is free text; some sources list operands as an array of strings, which is
    /// kept joined with ", " rather than rejected.
    fn operands(
        &self,
        node: Option<&Node>,
        what: impl Display + Copy,
    ) -> Result<Option<String>, LoadError> {
        match node {
            Some(Node {
                kind: Kind::Array(items),
                ..
            }) => {
                let mut parts = Vec::with_capacity(items.len());
                for item in items {
                    match &item.kind {
                        Kind::Str(s) => {
                            isa_core::mnemonic::check_text(s).map_err(|e| {
                                self.error(&item.span, format!("`operands` of {what} {e}"))
                            })?;
                            parts.push(&**s)
                        }
                        other => {
                            return Err(self.error(
                                &item.span,
                                format!(
                                    "`operands` of {what} lists {}; expected strings",
                                    other.describe()
                                ),
                            ))
                        }
                    }
                }
                Ok(Some(parts.join(", ")))
            }
            _ => self.opt_str(node, "operands", what),
        }
    }

    fn opt_bool(
        &self,
        node: Option<&Node>,
        key: &str,
        what: impl Display,
    ) -> Result<Option<bool>, LoadError> {
        match node {
            None
            | Some(Node {
                kind: Kind::Null, ..
            }) => Ok(None),
            Some(Node {
                kind: Kind::Bool(b),
                ..
            }) => Ok(Some(*b)),
            Some(n) => Err(self.error(
                &n.span,
                format!(
                    "`{key}` of {what} must be true or false, found {}",
                    n.kind.describe()
                ),
            )),
        }
    }

    /// An unsigned integer within `max`; `None` when absent or null.
    fn opt_uint(
        &self,
        node: Option<&Node>,
        key: &str,
        what: impl Display,
        max: u64,
    ) -> Result<Option<u64>, LoadError> {
        let Some(node) = node else {
            return Ok(None);
        };
        match &node.kind {
            Kind::Null => Ok(None),
            Kind::Int(i) if *i < 0 => Err(self.error(
                &node.span,
                format!("`{key}` of {what} is negative ({i}); it must be 0 or more"),
            )),
            Kind::Int(i) if *i > i128::from(max) => Err(self.error(
                &node.span,
                format!("`{key}` of {what} is {i}, larger than the maximum {max} (0x{max:X})"),
            )),
            Kind::Int(i) => Ok(Some(*i as u64)),
            Kind::Str(s) => {
                let mut e = self.error(
                    &node.span,
                    format!("`{key}` of {what} must be an integer, found the string \"{s}\""),
                );
                if s.trim_start().starts_with("0x") || s.trim_start().starts_with("0X") {
                    e = e.with_hint(match self.format {
                        TableFormat::Json => {
                            "JSON has no hex literals: write the number in decimal"
                        }
                        TableFormat::Toml => "write hex without quotes: 0x2A",
                    });
                }
                Err(e)
            }
            other => Err(self.error(
                &node.span,
                format!(
                    "`{key}` of {what} must be an integer, found {}",
                    other.describe()
                ),
            )),
        }
    }

    fn table(&self, root: &Node) -> Result<Table, LoadError> {
        let what = "the table";
        let props = self.object(root, what)?;
        let implementation = match Self::get(props, "implementation") {
            Some(Node { kind: Kind::Str(s), span }) => {
                if s.trim().is_empty() {
                    return Err(self.error(span, "`implementation` is empty"));
                }
                isa_core::mnemonic::check_name(s)
                    .map_err(|e| self.error(span, format!("`implementation` {e}")))?;
                s.to_string()
            }
            Some(n) => return Err(self.error(&n.span, format!("`implementation` must be a string, found {}", n.kind.describe()))),
            None => {
                return Err(self
                    .error(&root.span, "missing `implementation` (the name of the implementation this table describes)")
                    .with_hint(match self.format {
                        TableFormat::Json => "add e.g. `\"implementation\": \"my-vm\"`",
                        TableFormat::Toml => "add e.g. `implementation = \"my-vm\"`",
                    }))
            }
        };
        let date = |n: &Node, s: &str| {
            Date::parse(s).map_err(|e| self.error(&n.span, format!("`registered`: {e}")))
        };
        let registered = match Self::get(props, "registered") {
            None
            | Some(Node {
                kind: Kind::Null, ..
            }) => None,
            Some(
                n @ Node {
                    kind: Kind::Str(s), ..
                },
            ) => Some(date(n, s)?),
            Some(
                n @ Node {
                    kind: Kind::Date(s),
                    ..
                },
            ) => Some(date(n, s)?),
            Some(n) => {
                return Err(self.error(
                    &n.span,
                    format!(
                        "`registered` must be a date (YYYY-MM-DD), found {}",
                        n.kind.describe()
                    ),
                ))
            }
        };
        let formats = match Self::get(props, "formats") {
            None
            | Some(Node {
                kind: Kind::Null, ..
            }) => BTreeMap::new(),
            Some(node) => self.formats(node)?,
        };
        let encoding = match Self::get(props, "encoding") {
            None
            | Some(Node {
                kind: Kind::Null, ..
            }) => Encoding::default(),
            Some(node) => self.encoding(node)?,
        };
        let opcodes = Self::get(props, "opcodes").ok_or_else(|| {
            self.error(&root.span, "missing `opcodes` list").with_hint(match self.format {
                TableFormat::Json => "add `\"opcodes\": [{\"opcode\": 0, \"mnemonic\": \"HALT\"}]`",
                TableFormat::Toml => "add `opcodes = [{ opcode = 0x00, mnemonic = \"HALT\" }]` or [[opcodes]] sections",
            })
        })?;
        let Kind::Array(items) = &opcodes.kind else {
            return Err(self.error(
                &opcodes.span,
                format!(
                    "`opcodes` must be a list, found {}",
                    opcodes.kind.describe()
                ),
            ));
        };
        let mut entries = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            entries.push(self.entry(i, item, &formats)?);
        }
        Ok(Table {
            implementation,
            language: self.opt_str(Self::get(props, "language"), "language", what)?,
            isa_version: self.opt_str(Self::get(props, "isa_version"), "isa_version", what)?,
            registered,
            source_repo: self.opt_str(Self::get(props, "source_repo"), "source_repo", what)?,
            source_path: self.opt_str(Self::get(props, "source_path"), "source_path", what)?,
            formats,
            encoding,
            entries,
            location: Some(self.location(&root.span)),
        })
    }

    /// The `encoding` section: `escapes = [0xFF]` (escape pages), or `opcode_bytes = N` with an
    /// optional `byte_order` (fixed-width opcodes). Unknown keys are errors here, unlike
    /// elsewhere in a table: a misspelt encoding key would silently change how every
    /// instruction is decoded.
    fn encoding(&self, node: &Node) -> Result<Encoding, LoadError> {
        let what = "`encoding`";
        let props = self.object(node, what)?;
        for (key, span, _) in props {
            if !matches!(&**key, "escapes" | "opcode_bytes" | "byte_order") {
                return Err(self
                    .error(span, format!("unknown key `{key}` in {what}"))
                    .with_hint("the keys are `escapes` (a list of escape prefixes) or `opcode_bytes` (1-4) with an optional `byte_order` (\"big\" or \"little\")"));
            }
        }
        let escapes = Self::get(props, "escapes");
        let width = self.opt_uint(
            Self::get(props, "opcode_bytes"),
            "opcode_bytes",
            what,
            u64::from(u32::MAX),
        )?;
        let order = Self::get(props, "byte_order");
        match (escapes, width) {
            (Some(e), Some(_)) => Err(self.error(
                &e.span,
                "`encoding` gives both `escapes` and `opcode_bytes`; an encoding is one or the other",
            )),
            (Some(e), None) => {
                if let Some(o) = order {
                    return Err(self.error(
                        &o.span,
                        "`byte_order` applies to `opcode_bytes`; escape pages are written prefix first",
                    ));
                }
                let Kind::Array(items) = &e.kind else {
                    return Err(self.error(
                        &e.span,
                        format!("`escapes` must be a list of numbers, found {}", e.kind.describe()),
                    ));
                };
                let mut list = Vec::with_capacity(items.len());
                for item in items {
                    match &item.kind {
                        Kind::Int(i) if (1..=0x00FF_FFFF).contains(i) => list.push(*i as u32),
                        Kind::Int(i) => {
                            return Err(self.error(
                                &item.span,
                                format!("escape prefix {i} is out of range 0x01-0xFFFFFF"),
                            ))
                        }
                        other => {
                            return Err(self.error(
                                &item.span,
                                format!(
                                    "an escape prefix must be an integer, found {}",
                                    other.describe()
                                ),
                            ))
                        }
                    }
                }
                Encoding::escapes(list).map_err(|err| self.error(&e.span, err.0))
            }
            (None, Some(w)) => {
                let endian = match order.map(|o| (o, &o.kind)) {
                    None => Endian::Big,
                    Some((_, Kind::Str(s))) if s == "big" => Endian::Big,
                    Some((_, Kind::Str(s))) if s == "little" => Endian::Little,
                    Some((o, _)) => {
                        return Err(self.error(
                            &o.span,
                            "`byte_order` must be \"big\" or \"little\"",
                        ))
                    }
                };
                let span = &Self::get(props, "opcode_bytes").expect("present").span;
                Encoding::fixed(w as u32, endian).map_err(|err| self.error(span, err.0))
            }
            (None, None) => match order {
                Some(o) => Err(self.error(&o.span, "`byte_order` needs `opcode_bytes`")),
                None => Ok(Encoding::default()),
            },
        }
    }

    fn formats(&self, node: &Node) -> Result<BTreeMap<String, Layout>, LoadError> {
        let props = self.object(node, "`formats`")?;
        let mut out = BTreeMap::new();
        for (letter, key_span, def) in props {
            if letter.is_empty() {
                return Err(self.error(key_span, "a format name must not be empty"));
            }
            isa_core::mnemonic::check_name(letter)
                .map_err(|e| self.error(key_span, format!("format name {e}")))?;
            let what = format!("format `{letter}`");
            let fp = self.object(def, &what)?;
            let size = self
                .opt_uint(Self::get(fp, "size"), "size", &what, MAX_SIZE_BYTES)?
                .ok_or_else(|| {
                    self.error(
                        &def.span,
                        format!("{what} is missing `size` (total bytes, opcode included)"),
                    )
                })?;
            let endian = match self
                .opt_str(Self::get(fp, "endian"), "endian", &what)?
                .as_deref()
            {
                None | Some("little") => Endian::Little,
                Some("big") => Endian::Big,
                Some(other) => {
                    let n = Self::get(fp, "endian").expect("present");
                    return Err(self.error(
                        &n.span,
                        format!(
                            "`endian` of {what} must be \"little\" or \"big\", not \"{other}\""
                        ),
                    ));
                }
            };
            let mut fields = Vec::new();
            match Self::get(fp, "fields") {
                None
                | Some(Node {
                    kind: Kind::Null, ..
                }) => {}
                Some(Node {
                    kind: Kind::Array(items),
                    ..
                }) => {
                    for (i, f) in items.iter().enumerate() {
                        let fwhat = format!("field {} of {what}", i + 1);
                        let p = self.object(f, &fwhat)?;
                        let name = self
                            .opt_str(Self::get(p, "name"), "name", &fwhat)?
                            .unwrap_or_else(|| format!("f{i}"));
                        let bits = self
                            .opt_uint(Self::get(p, "bits"), "bits", &fwhat, 64)?
                            .ok_or_else(|| {
                                self.error(&f.span, format!("{fwhat} is missing `bits`"))
                            })?;
                        let kind_node = Self::get(p, "kind").ok_or_else(|| {
                            self.error(&f.span, format!("{fwhat} is missing `kind`"))
                        })?;
                        let kind = match &kind_node.kind {
                            Kind::Str(s) => FieldKind::parse(s).ok_or_else(|| {
                                self.error(&kind_node.span, format!("unknown field kind \"{s}\" in {fwhat}")).with_hint(
                                    "kinds are reg, imm, simm (signed immediate), rel (relative branch offset), len (payload length)",
                                )
                            })?,
                            other => return Err(self.error(&kind_node.span, format!("`kind` of {fwhat} must be a string, found {}", other.describe()))),
                        };
                        fields.push(Field {
                            name,
                            bits: bits as u16,
                            kind,
                        });
                    }
                }
                Some(n) => {
                    return Err(self.error(
                        &n.span,
                        format!(
                            "`fields` of {what} must be a list, found {}",
                            n.kind.describe()
                        ),
                    ))
                }
            }
            let layout = Layout::with_endian(size as u32, fields, endian)
                .map_err(|e| self.error(&def.span, format!("{what}: {e}")))?;
            out.insert(letter.to_string(), layout);
        }
        Ok(out)
    }

    fn entry(
        &self,
        index: usize,
        node: &Node,
        formats: &BTreeMap<String, Layout>,
    ) -> Result<Entry, LoadError> {
        // Named only when a message needs it: formatting it up front was two allocations per
        // entry of every table loaded.
        let what = EntryName(index);
        let props = self.members(node, format_args!("entry {what}"))?;
        if props.len() > 16 {
            // Many keys: the set-based check, so unknown keys are not compared pairwise.
            self.object(node, format_args!("entry {what}"))?;
        }
        let f = EntryFields::of(props).map_err(|i| {
            let (key, span, _) = &props[i];
            self.error(span, format!("duplicate key `{key}` in entry {what}"))
        })?;
        let opcode = self
            .opt_uint(f.opcode, "opcode", what, u64::from(u32::MAX))?
            .ok_or_else(|| {
                self.error(&node.span, format!("{what} has no `opcode` number"))
                    .with_hint("every entry needs `opcode`, a non-negative integer")
            })? as u32;
        let mnemonic = self.opt_str(f.mnemonic, "mnemonic", what)?;
        if let (Some(m), Some(n)) = (&mnemonic, f.mnemonic) {
            if m.trim().is_empty() {
                return Err(self
                    .error(&n.span, format!("`mnemonic` of {what} is empty"))
                    .with_hint("write null for an entry without a name"));
            }
            isa_core::mnemonic::check_name(m)
                .map_err(|e| self.error(&n.span, format!("`mnemonic` of {what} {e}")))?;
        }
        let format = self.opt_str(f.format, "format", what)?;
        if let (Some(f), Some(n)) = (&format, f.format) {
            isa_core::mnemonic::check_name(f)
                .map_err(|e| self.error(&n.span, format!("`format` of {what} {e}")))?;
        }
        let status = match self.opt_str(f.status, "status", what)? {
            None => None,
            Some(s) => Some(Status::parse(&s).ok_or_else(|| {
                let n = f.status.expect("present");
                self.error(&n.span, format!("unknown status \"{s}\" in {what}"))
                    .with_hint("statuses are proposed, stable, deprecated, removed")
            })?),
        };
        let branch = self.opt_str(f.branch, "branch", what)?;
        if let (Some(b), Some(letter)) = (&branch, &format) {
            if let Some(layout) = formats.get(letter) {
                if !layout.fields.iter().any(|f| &f.name == b) {
                    let n = f.branch.expect("present");
                    return Err(self.error(&n.span, format!("`branch` of {what} names field `{b}`, which format `{letter}` does not have")));
                }
            }
        }
        // Read in this order, so that of several bad fields the same one is reported first.
        let category = self.opt_str(f.category, "category", what)?;
        let description = self.opt_str(f.description, "description", what)?;
        let operands = self.operands(f.operands, what)?;
        let reserved = self
            .opt_bool(f.reserved, "reserved", what)?
            .unwrap_or(false);
        let size_bytes = self
            .opt_uint(f.size_bytes, "size_bytes", what, MAX_SIZE_BYTES)?
            .map(|n| n as u32);
        let source_name = self.opt_str(f.source_name, "source_name", what)?;
        Ok(Entry {
            opcode,
            mnemonic: mnemonic.map(Into::into),
            format: format.map(Into::into),
            category: category.map(Into::into),
            reserved,
            size_bytes,
            status,
            location: Some(self.location(&node.span)),
            details: EntryText {
                description,
                operands,
                branch,
                source_name,
            }
            .into(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn json(text: &str) -> Result<Table, LoadError> {
        parse_table("t.json", text, TableFormat::Json)
    }

    fn toml(text: &str) -> Result<Table, LoadError> {
        parse_table("t.toml", text, TableFormat::Toml)
    }

    #[test]
    fn reads_the_interchange_shape_and_ignores_unknown_keys() {
        let t = json(
            r#"{"implementation": "vm", "language": "Go", "isa_version": "1", "registered": "2026-01-02",
               "notes": ["x"], "opcodes": [
                 {"opcode": 0, "mnemonic": "HALT", "format": "A", "category": null, "whatever": 3},
                 {"opcode": 255, "mnemonic": null, "reserved": true}
               ]}"#,
        )
        .unwrap();
        assert_eq!(t.implementation, "vm");
        assert_eq!(t.registered.unwrap().to_string(), "2026-01-02");
        assert_eq!(t.entries.len(), 2);
        assert_eq!(t.entries[0].location.as_ref().unwrap().line, 3);
        assert!(t.entries[1].reserved && t.entries[1].mnemonic.is_none());
    }

    #[test]
    fn reads_toml_with_hex_and_declared_formats() {
        let t = toml(
            r#"
implementation = "mini"
registered = 2026-03-01

[formats.R]
size = 4
fields = [{ name = "rd", bits = 8, kind = "reg" }, { name = "off", bits = 16, kind = "rel" }]

[[opcodes]]
opcode = 0x00
mnemonic = "HALT"
format = "A"

[[opcodes]]
opcode = 0x44
mnemonic = "JZ"
format = "R"
branch = "off"
"#,
        )
        .unwrap();
        assert_eq!(t.entries[1].opcode, 0x44);
        assert_eq!(t.entries[1].location.as_ref().unwrap().line, 14); // the `[[opcodes]]` header
        assert_eq!(t.formats["R"].size, 4);
        assert_eq!(t.formats["R"].fields[1].kind, FieldKind::RelativeOffset);
    }

    #[test]
    fn bad_numbers_are_located() {
        let e = json(
            "{\"implementation\": \"x\", \"opcodes\": [\n {\"opcode\": -1, \"mnemonic\": \"A\"}]}",
        )
        .unwrap_err();
        assert_eq!((e.line, e.column), (2, 13));
        assert!(e.message.contains("negative"), "{}", e.message);
        let e =
            json("{\"implementation\": \"x\", \"opcodes\": [{\"opcode\": \"0x10\"}]}").unwrap_err();
        assert!(e.message.contains("must be an integer"));
        assert!(e.hint.unwrap().contains("decimal"));
        let e = json("{\"implementation\": \"x\", \"opcodes\": [{\"opcode\": 1.5}]}").unwrap_err();
        assert!(e.message.contains("non-integer"));
        let e = json("{\"implementation\": \"x\", \"opcodes\": [{\"opcode\": 4294967296}]}")
            .unwrap_err();
        assert!(e.message.contains("larger than the maximum"));
    }

    #[test]
    fn structural_errors() {
        assert!(json("{\"implementation\": \"x\"}")
            .unwrap_err()
            .message
            .contains("missing `opcodes`"));
        assert!(json("{\"opcodes\": []}")
            .unwrap_err()
            .message
            .contains("missing `implementation`"));
        assert!(json("[]")
            .unwrap_err()
            .message
            .contains("must be an object"));
        assert!(json("{\"implementation\": \"x\", \"opcodes\": {}}")
            .unwrap_err()
            .message
            .contains("must be a list"));
        let e =
            json("{\"implementation\": \"x\", \"opcodes\": [{\"mnemonic\": \"A\"}]}").unwrap_err();
        assert!(e.message.contains("has no `opcode`"));
        let e = json("{\"implementation\": \"x\", \"implementation\": \"y\", \"opcodes\": []}")
            .unwrap_err();
        assert!(e.message.contains("duplicate key"));
        // The first repeat is named at its own position, in a small object (compared pairwise)
        // and in one of more than 16 keys (a set).
        for keys in [3, 40] {
            let mut entry: Vec<String> = (0..keys).map(|k| format!("\"k{k}\": 1")).collect();
            entry.push("\"k2\": 2".into());
            entry.push("\"k1\": 2".into());
            let text = format!(
                "{{\"implementation\": \"x\", \"opcodes\": [\n{{\"opcode\": 0, {}}}]}}",
                entry.join(", ")
            );
            let e = json(&text).unwrap_err();
            assert_eq!(
                e.message, "duplicate key `k2` in entry opcodes[0]",
                "{keys} keys"
            );
            let column = text.rfind("\"k2\"").unwrap() - text.find('\n').unwrap();
            assert_eq!((e.line, e.column), (2, column as u32), "{keys} keys");
        }
        // Known keys (found by the entry's slots) and unknown ones (compared among themselves):
        // still the first repeat in file order.
        for (members, repeat) in [
            (
                "\"opcode\": 0, \"mnemonic\": \"A\", \"x\": 1, \"mnemonic\": \"B\", \"x\": 2",
                "mnemonic",
            ),
            (
                "\"opcode\": 0, \"x\": 1, \"y\": 1, \"x\": 2, \"opcode\": 1",
                "x",
            ),
            (
                "\"opcode\": 0, \"format\": \"A\", \"opcode\": 1, \"format\": \"B\"",
                "opcode",
            ),
        ] {
            let text = format!("{{\"implementation\": \"x\", \"opcodes\": [{{{members}}}]}}");
            let e = json(&text).unwrap_err();
            assert_eq!(
                e.message,
                format!("duplicate key `{repeat}` in entry opcodes[0]"),
                "{members}"
            );
        }
        let e = toml("implementation = \"x\"\n[formats.Q]\nsize = 1\nfields = [{bits = 8, kind = \"reg\"}]\n[[opcodes]]\nopcode = 1\n").unwrap_err();
        assert!(e.message.contains("format `Q`"), "{}", e.message);
        let e = toml("implementation = \"x\"\n[formats.Q]\nsize = 2\nfields = [{bits = 8, kind = \"register8\"}]\nopcodes = []\n").unwrap_err();
        assert!(e.hint.unwrap().contains("kinds are"));
    }

    #[test]
    fn operands_are_text_or_a_list_of_strings() {
        let t = json(r#"{"implementation": "x", "opcodes": [{"opcode": 1, "mnemonic": "ADD", "operands": ["rd", "rs1"]}]}"#).unwrap();
        assert_eq!(t.entries[0].operands(), Some("rd, rs1"));
        let e = json(r#"{"implementation": "x", "opcodes": [{"opcode": 1, "mnemonic": "ADD", "operands": 3}]}"#).unwrap_err();
        assert!(
            e.message
                .contains("`operands` of opcodes[0] must be a string"),
            "{}",
            e.message
        );
        let e = json(r#"{"implementation": "x", "opcodes": [{"opcode": 1, "mnemonic": "ADD", "operands": ["rd", 2]}]}"#).unwrap_err();
        assert!(e.message.contains("expected strings"), "{}", e.message);
    }

    #[test]
    fn duplicate_implementations_are_rejected() {
        let mut a = json(r#"{"implementation": "x", "opcodes": []}"#).unwrap();
        let b = a.clone();
        a.location = Some(Location::new("a.json", 1, 1));
        let errors = duplicate_implementations(&[a, b]);
        assert_eq!(errors.len(), 1);
        assert!(errors[0].message.contains("already defined by a.json:1:1"));
    }

    #[test]
    fn names_with_control_characters_are_refused() {
        for (text, what) in [
            (
                r#"{"implementation": "x\u001b[2J", "opcodes": []}"#,
                "`implementation` contains the control character U+001B",
            ),
            (
                r#"{"implementation": "x", "opcodes": [{"opcode": 1, "mnemonic": "A\u0000"}]}"#,
                "`mnemonic` of opcodes[0]",
            ),
            (
                r#"{"implementation": "x", "opcodes": [{"opcode": 1, "mnemonic": "A", "format": "E\n"}]}"#,
                "`format` of opcodes[0]",
            ),
            // Free text is text too: a C1 CSI in a description, ESC in a category, a newline
            // in a branch, DEL in operands.
            (
                r#"{"implementation": "x", "opcodes": [{"opcode": 1, "mnemonic": "A", "description": "adds\u009b2J"}]}"#,
                "`description` of opcodes[0] contains the control character U+009B",
            ),
            (
                r#"{"implementation": "x", "opcodes": [{"opcode": 1, "mnemonic": "A", "category": "a\u001b"}]}"#,
                "`category` of opcodes[0]",
            ),
            (
                r#"{"implementation": "x", "opcodes": [{"opcode": 1, "mnemonic": "A", "branch": "a\nb"}]}"#,
                "`branch` of opcodes[0]",
            ),
            (
                r#"{"implementation": "x", "opcodes": [{"opcode": 1, "mnemonic": "A", "operands": ["rd", "x\u007f"]}]}"#,
                "`operands` of opcodes[0]",
            ),
        ] {
            let e = json(text).unwrap_err().to_string();
            assert!(e.contains(what), "{e}");
            assert!(e.starts_with("t.json:1:"), "{e}");
        }
        // A tab in free text is fine.
        json(r#"{"implementation": "x", "opcodes": [{"opcode": 1, "mnemonic": "A", "description": "a\tb"}]}"#)
            .unwrap();
    }

    #[test]
    fn encoding_sections() {
        let base = "implementation = \"x\"\nopcodes = [{ opcode = 0xFF05, mnemonic = \"EXT\" }]\n";
        let t = toml(&format!("{base}[encoding]\nescapes = [0xFF]\n")).unwrap();
        assert_eq!(t.encoding, Encoding::escapes([0xFF]).unwrap());
        let t = toml(&format!(
            "{base}[encoding]\nopcode_bytes = 2\nbyte_order = \"little\"\n"
        ))
        .unwrap();
        assert_eq!(t.encoding, Encoding::fixed(2, Endian::Little).unwrap());
        let t = json(r#"{"implementation": "x", "encoding": {"opcode_bytes": 2}, "opcodes": []}"#)
            .unwrap();
        assert_eq!(t.encoding, Encoding::fixed(2, Endian::Big).unwrap());
        for (section, message, line) in [
            (
                "escapes = [0xFF]\nopcode_bytes = 2",
                "both `escapes` and `opcode_bytes`",
                4,
            ),
            ("escape = [0xFF]", "unknown key `escape`", 4),
            ("opcode_bytes = 5", "out of range 1-4", 4),
            ("escapes = [0x0F38]", "needs its leading bytes 0x0F", 4),
            ("escapes = [0]", "out of range", 4),
            ("escapes = \"0xFF\"", "must be a list", 4),
            ("byte_order = \"big\"", "needs `opcode_bytes`", 4),
            (
                "escapes = [0xFF]\nbyte_order = \"big\"",
                "applies to `opcode_bytes`",
                5,
            ),
            (
                "opcode_bytes = 2\nbyte_order = \"middle\"",
                "\"big\" or \"little\"",
                5,
            ),
        ] {
            let e = toml(&format!("{base}[encoding]\n{section}\n")).unwrap_err();
            let text = e.to_string();
            assert!(text.contains(message), "{section}: {text}");
            assert!(
                text.contains(&format!("t.toml:{line}:")),
                "{section}: {text}"
            );
        }
    }
}
