//! The common shape of a JSON table read straight into a [`Table`], without the value tree.
//!
//! Nearly every table in the ecosystem is an object of a name, a date and a list of entries
//! that each hold a number, a mnemonic, a format letter and a category. For that shape, building
//! the spanned tree and then walking it was about a third of `check` and of `arbitrate` on
//! 1,000 tables (a vector per entry object, a 96-byte member per key, then a second pass that
//! copies every string out). This reader takes that shape in one pass over the bytes.
//!
//! It decides nothing on its own: anything outside the shape — another key, an escape in a
//! string, a number with a sign, fraction or exponent, a value of another type, a repeated key,
//! a name the model refuses, a byte of bad JSON — makes it give up (`None`), and the table is
//! read by the tree and [`crate::read`]'s walker, which accepts or explains it. So every error
//! message still comes from the one reader that has them, and what this one returns is what
//! that reader returns for the same text: a unit test, a property test over mutated tables and
//! the `read_table_json` fuzz target hold the two to that. A text it gives up on late (a
//! `status` in the last entry) is read twice, so no table costs more than about twice the
//! general reader alone.

use isa_core::{Date, Encoding, Endian, Entry, EntryText, Table};

use crate::read::Reader;

/// The table in `text`, or `None` when it is not of the common shape (the caller then reads
/// it the general way). `reader` gives the locations.
pub(crate) fn table(reader: &Reader, text: &str) -> Option<Table> {
    let mut p = Bytes {
        text,
        b: text.as_bytes(),
        i: 0,
    };
    p.ws();
    let root = p.i;
    p.expect(b'{')?;
    let mut keys = Keys::default();
    let mut implementation = None;
    let mut registered = None;
    let mut entries = None;
    let mut encoding = Encoding::default();
    let mut strings: [Option<String>; 4] = Default::default();
    loop {
        let key = p.string()?;
        p.expect(b':')?;
        let bit = match key {
            "implementation" => {
                let s = p.string()?;
                if s.trim().is_empty() || isa_core::mnemonic::check_name(s).is_err() {
                    return None;
                }
                implementation = Some(s.to_string());
                Some(0)
            }
            "registered" => {
                registered = match p.opt_string()? {
                    Some(s) => Some(Date::parse(s).ok()?),
                    None => None,
                };
                Some(1)
            }
            "opcodes" => {
                entries = Some(p.entries(reader)?);
                Some(2)
            }
            "language" | "isa_version" | "source_repo" | "source_path" => {
                let slot = match key {
                    "language" => 0,
                    "isa_version" => 1,
                    "source_repo" => 2,
                    _ => 3,
                };
                strings[slot] = p.opt_text()?.map(str::to_string);
                Some(3 + slot)
            }
            "encoding" => {
                encoding = p.encoding()?;
                Some(7)
            }
            // Layouts need the general reader's format parser.
            "formats" => return None,
            // A key the reader ignores (real tables carry commits, counts, notes): its value
            // is checked as JSON and skipped; the key must not repeat either (compared with
            // the others, so past a handful the general reader's set takes over).
            other => {
                keys.ignore(other)?;
                p.skip_value()?;
                None
            }
        };
        keys.known(bit)?;
        if !p.comma_or(b'}')? {
            break;
        }
    }
    p.ws();
    if p.i != p.b.len() {
        return None;
    }
    let entries = entries?;
    let [language, isa_version, source_repo, source_path] = strings;
    Some(Table {
        implementation: implementation?,
        language,
        isa_version,
        registered,
        source_repo,
        source_path,
        formats: Default::default(),
        encoding,
        entries,
        // After the entries, as the general reader makes it (its line search resumes from the
        // last location made).
        location: Some(reader.location(&(root..root + 1))),
    })
}

/// The most keys of one object this reader ignores: each is compared with those before it
/// (real tables have up to a dozen), so an object with more is left to the general reader,
/// which checks many keys for repeats with a set.
const MAX_UNKNOWN: usize = 32;

/// The keys of one object seen so far: a bit per key the reader knows, and the others.
#[derive(Default)]
struct Keys<'a> {
    known: u32,
    ignored: Vec<&'a str>,
}

impl<'a> Keys<'a> {
    fn clear(&mut self) {
        self.known = 0;
        self.ignored.clear();
    }

    /// A known key by its bit (`None`: an ignored key, nothing to mark), or `None` (give up)
    /// when it came before.
    fn known(&mut self, bit: Option<usize>) -> Option<()> {
        let Some(bit) = bit else { return Some(()) };
        if self.known & (1 << bit) != 0 {
            return None;
        }
        self.known |= 1 << bit;
        Some(())
    }

    /// A key the reader ignores, or `None` (give up) when it came before or there are too many
    /// to compare each with the others ([`MAX_UNKNOWN`]).
    fn ignore(&mut self, key: &'a str) -> Option<()> {
        if self.ignored.len() == MAX_UNKNOWN || self.ignored.contains(&key) {
            return None;
        }
        self.ignored.push(key);
        Some(())
    }
}

/// A cursor over the text; every method returns `None` where the common shape ends.
struct Bytes<'a> {
    text: &'a str,
    b: &'a [u8],
    i: usize,
}

impl<'a> Bytes<'a> {
    fn ws(&mut self) {
        while let Some(b' ' | b'\n' | b'\r' | b'\t') = self.b.get(self.i) {
            self.i += 1;
        }
    }

    fn expect(&mut self, byte: u8) -> Option<()> {
        self.ws();
        (self.b.get(self.i) == Some(&byte)).then(|| self.i += 1)
    }

    /// After a member or element: `true` at `,` (another follows), `false` at `close`.
    fn comma_or(&mut self, close: u8) -> Option<bool> {
        self.ws();
        let next = *self.b.get(self.i)?;
        self.i += 1;
        match next {
            b',' => Some(true),
            c if c == close => Some(false),
            _ => None,
        }
    }

    /// A string without escapes (a `\` gives up; a control character is bad JSON).
    fn string(&mut self) -> Option<&'a str> {
        self.ws();
        if self.b.get(self.i) != Some(&b'"') {
            return None;
        }
        let start = self.i + 1;
        let len = crate::value::json_special(&self.b[start..])?;
        if self.b[start + len] != b'"' {
            return None;
        }
        self.i = start + len + 1;
        // Both ends are ASCII quotes, so the slice is on character boundaries.
        self.text.get(start..start + len)
    }

    fn null(&mut self) -> bool {
        self.ws();
        if self.b[self.i..].starts_with(b"null") {
            self.i += 4;
            true
        } else {
            false
        }
    }

    /// A string or `null`.
    fn opt_string(&mut self) -> Option<Option<&'a str>> {
        if self.null() {
            return Some(None);
        }
        self.string().map(Some)
    }

    /// A string or `null`, held to the rule for a table's text fields.
    fn opt_text(&mut self) -> Option<Option<&'a str>> {
        let s = self.opt_string()?;
        match s {
            Some(t) if isa_core::mnemonic::check_text(t).is_err() => None,
            _ => Some(s),
        }
    }

    /// A string or `null`, held to the rule for names.
    fn opt_name(&mut self) -> Option<Option<&'a str>> {
        let s = self.opt_string()?;
        match s {
            Some(t) if isa_core::mnemonic::check_name(t).is_err() => None,
            _ => Some(s),
        }
    }

    /// A non-negative integer of at most `max`, written in plain decimal digits.
    fn number(&mut self, max: u64) -> Option<u64> {
        self.ws();
        let start = self.i;
        let mut value: u64 = 0;
        while let Some(&d @ b'0'..=b'9') = self.b.get(self.i) {
            value = value * 10 + u64::from(d - b'0');
            if value > max {
                return None;
            }
            self.i += 1;
        }
        let digits = self.i - start;
        // No digits, a leading zero (bad JSON), or a fraction or exponent next.
        if digits == 0
            || (digits > 1 && self.b[start] == b'0')
            || matches!(self.b.get(self.i), Some(b'.' | b'e' | b'E'))
        {
            return None;
        }
        Some(value)
    }

    /// The `opcodes` list.
    fn entries(&mut self, reader: &Reader) -> Option<Vec<Entry>> {
        self.expect(b'[')?;
        // At most one entry per `{` ahead: counted first (a scan at memory speed), the vector
        // is made once instead of grown by doubling, each step a copy of every entry so far
        // (120 bytes each; the copies were a twentieth of loading 1,000 x 256).
        let mut entries = Vec::with_capacity(memchr::memchr_iter(b'{', &self.b[self.i..]).count());
        let mut keys = Keys::default();
        self.ws();
        if self.b.get(self.i) == Some(&b']') {
            self.i += 1;
            return Some(entries);
        }
        loop {
            entries.push(self.entry(reader, &mut keys)?);
            if !self.comma_or(b']')? {
                return Some(entries);
            }
        }
    }

    /// One entry: the members the reader knows but `status` and `branch` (which need the
    /// general reader's checks), and any others, skipped.
    fn entry(&mut self, reader: &Reader, keys: &mut Keys<'a>) -> Option<Entry> {
        self.ws();
        let start = self.i;
        self.expect(b'{')?;
        keys.clear();
        let mut opcode = None;
        let (mut mnemonic, mut format, mut category) = (None, None, None);
        let (mut description, mut operands, mut source_name) = (None, None, None);
        let (mut reserved, mut size_bytes) = (None, None);
        loop {
            let key = self.string()?;
            self.expect(b':')?;
            let bit = match key {
                "opcode" => {
                    opcode = Some(self.number(u64::from(u32::MAX))? as u32);
                    Some(0)
                }
                "mnemonic" => {
                    mnemonic = self.opt_name()?;
                    if mnemonic.is_some_and(|m| m.trim().is_empty()) {
                        return None;
                    }
                    Some(1)
                }
                "format" => {
                    format = self.opt_name()?;
                    Some(2)
                }
                "category" => {
                    category = self.opt_text()?.map(Into::into);
                    Some(3)
                }
                "description" => {
                    description = self.opt_text()?.map(str::to_string);
                    Some(4)
                }
                "operands" => {
                    operands = self.operands()?;
                    Some(5)
                }
                "source_name" => {
                    source_name = self.opt_text()?.map(str::to_string);
                    Some(6)
                }
                "reserved" => {
                    reserved = self.opt_bool()?;
                    Some(7)
                }
                "size_bytes" => {
                    size_bytes = if self.null() {
                        None
                    } else {
                        Some(self.number(crate::read::MAX_SIZE_BYTES)? as u32)
                    };
                    Some(8)
                }
                "status" | "branch" => return None,
                other => {
                    keys.ignore(other)?;
                    self.skip_value()?;
                    None
                }
            };
            keys.known(bit)?;
            if !self.comma_or(b'}')? {
                break;
            }
        }
        Some(Entry {
            opcode: opcode?,
            mnemonic: mnemonic.map(Into::into),
            format: format.map(Into::into),
            category,
            reserved: reserved.unwrap_or(false),
            size_bytes,
            status: None,
            location: Some(reader.location(&(start..start + 1))),
            details: EntryText {
                description,
                operands,
                branch: None,
                source_name,
            }
            .into(),
        })
    }

    /// `encoding` as fixed-width opcodes: `null`, `{}`, or `{"opcode_bytes": N}` with an
    /// optional `"byte_order"`; escape pages (and every error) are the general reader's.
    fn encoding(&mut self) -> Option<Encoding> {
        if self.null() {
            return Some(Encoding::default());
        }
        self.expect(b'{')?;
        self.ws();
        if self.b.get(self.i) == Some(&b'}') {
            self.i += 1;
            return Some(Encoding::default());
        }
        let (mut width, mut order) = (None, None);
        loop {
            let key = self.string()?;
            self.expect(b':')?;
            match key {
                "opcode_bytes" if width.is_none() => {
                    width = Some(self.number(u64::from(u32::MAX))? as u32)
                }
                "byte_order" if order.is_none() => {
                    order = Some(match self.string()? {
                        "big" => Endian::Big,
                        "little" => Endian::Little,
                        _ => return None,
                    })
                }
                _ => return None,
            }
            if !self.comma_or(b'}')? {
                break;
            }
        }
        Encoding::fixed(width?, order.unwrap_or(Endian::Big)).ok()
    }

    /// `true`, `false` or `null`.
    fn opt_bool(&mut self) -> Option<Option<bool>> {
        self.ws();
        for (word, value) in [
            (&b"true"[..], Some(true)),
            (b"false", Some(false)),
            (b"null", None),
        ] {
            if self.b[self.i..].starts_with(word) {
                self.i += word.len();
                return Some(value);
            }
        }
        None
    }

    /// `operands`: text, `null`, or a list of texts kept joined with ", ".
    fn operands(&mut self) -> Option<Option<String>> {
        self.ws();
        if self.b.get(self.i) != Some(&b'[') {
            return self.opt_text().map(|t| t.map(str::to_string));
        }
        self.i += 1;
        let mut parts: Vec<&str> = Vec::new();
        self.ws();
        if self.b.get(self.i) == Some(&b']') {
            self.i += 1;
        } else {
            loop {
                let part = self.string()?;
                isa_core::mnemonic::check_text(part).ok()?;
                parts.push(part);
                if !self.comma_or(b']')? {
                    break;
                }
            }
        }
        Some(Some(parts.join(", ")))
    }

    /// Steps over one JSON value of any shape, checking it as strictly as the value tree's
    /// builder does (`value::build_json`): the grammar's numbers, strings without control
    /// characters, and no `\u` escape (the builder refuses lone surrogates, which telling
    /// apart is the general reader's job). Nesting is followed with a counter and a bit per
    /// level, not recursion, and gives up past a few levels.
    fn skip_value(&mut self) -> Option<()> {
        // Bit n: level n+1 is an object (else an array).
        let mut objects: u64 = 0;
        let mut depth = 0u32;
        loop {
            // A value starts here.
            self.ws();
            match *self.b.get(self.i)? {
                open @ (b'[' | b'{') => {
                    if depth == 32 {
                        return None;
                    }
                    self.i += 1;
                    objects = (objects & !(1 << depth)) | (u64::from(open == b'{') << depth);
                    depth += 1;
                    self.ws();
                    let close = if open == b'{' { b'}' } else { b']' };
                    if self.b.get(self.i) == Some(&close) {
                        self.i += 1;
                        depth -= 1;
                    } else {
                        if open == b'{' {
                            self.skip_string()?;
                            self.expect(b':')?;
                        }
                        continue;
                    }
                }
                b'"' => self.skip_string()?,
                b't' => self.word(b"true")?,
                b'f' => self.word(b"false")?,
                b'n' => self.word(b"null")?,
                _ => self.skip_number()?,
            }
            // A value ended: close containers while they end here.
            loop {
                if depth == 0 {
                    return Some(());
                }
                let object = objects & (1 << (depth - 1)) != 0;
                if self.comma_or(if object { b'}' } else { b']' })? {
                    if object {
                        self.skip_string()?;
                        self.expect(b':')?;
                    }
                    break;
                }
                depth -= 1;
            }
        }
    }

    fn word(&mut self, word: &[u8]) -> Option<()> {
        self.b[self.i..]
            .starts_with(word)
            .then(|| self.i += word.len())
    }

    /// A string, escapes allowed but `\u`.
    fn skip_string(&mut self) -> Option<()> {
        self.ws();
        if self.b.get(self.i) != Some(&b'"') {
            return None;
        }
        self.i += 1;
        loop {
            let at = crate::value::json_special(&self.b[self.i..])?;
            self.i += at;
            match self.b[self.i] {
                b'"' => {
                    self.i += 1;
                    return Some(());
                }
                b'\\' => match self.b.get(self.i + 1)? {
                    b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => self.i += 2,
                    _ => return None,
                },
                _ => return None,
            }
        }
    }

    /// A number to the JSON grammar: `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`.
    fn skip_number(&mut self) -> Option<()> {
        let digits = |p: &mut Self| {
            let start = p.i;
            while let Some(b'0'..=b'9') = p.b.get(p.i) {
                p.i += 1;
            }
            (p.i > start).then_some(())
        };
        if self.b.get(self.i) == Some(&b'-') {
            self.i += 1;
        }
        match self.b.get(self.i)? {
            b'0' => self.i += 1,
            b'1'..=b'9' => digits(self)?,
            _ => return None,
        }
        if self.b.get(self.i) == Some(&b'.') {
            self.i += 1;
            digits(self)?;
        }
        if let Some(b'e' | b'E') = self.b.get(self.i) {
            self.i += 1;
            if let Some(b'+' | b'-') = self.b.get(self.i) {
                self.i += 1;
            }
            digits(self)?;
        }
        Some(())
    }
}
