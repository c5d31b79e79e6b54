//! `scan`'s JSON: each scanned table in the interchange shape plus where it was found.

use isa_scan::ScannedTable;
use serde_json::{json, Value};

/// The JSON of one scanned table: the interchange shape plus `symbol`, `confidence` and each
/// entry's `line` (and `source_path`, which the interchange shape already carries).
pub fn scanned_table_json(t: &ScannedTable) -> Value {
    let mut v = isa_io::table_to_json(&t.table);
    if let Some(obj) = v.as_object_mut() {
        obj.insert("symbol".into(), json!(t.symbol));
        obj.insert("confidence".into(), json!(t.confidence));
        if let Some(Value::Array(ops)) = obj.get_mut("opcodes") {
            for (o, e) in ops.iter_mut().zip(&t.table.entries) {
                if let (Some(o), Some(loc)) = (o.as_object_mut(), &e.location) {
                    o.insert("line".into(), json!(loc.line));
                }
            }
        }
    }
    v
}

/// The `--format json` document: `{"tables": [...], "notes": [...]}`.
pub fn scan_json(outcome: &isa_scan::ScanOutcome) -> Value {
    let tables: Vec<Value> = outcome.tables.iter().map(scanned_table_json).collect();
    let notes: Vec<Value> = outcome
        .notes
        .iter()
        .map(|n| json!({"path": n.path.display().to_string(), "message": n.message}))
        .collect();
    json!({"tables": tables, "notes": notes})
}
