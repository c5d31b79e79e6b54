//! Prints the tree-sitter syntax tree of a source file (a development aid for extractors).
fn main() {
    let path = std::env::args().nth(1).expect("usage: dump FILE");
    let text = std::fs::read_to_string(&path).expect("readable file");
    let lang = isa_scan::Lang::from_path(std::path::Path::new(&path)).expect("known extension");
    let mut parser = tree_sitter::Parser::new();
    parser.set_language(&lang.grammar()).expect("grammar loads");
    let tree = parser.parse(&text, None).expect("parse");
    let mut cursor = tree.walk();
    let mut depth = 0;
    loop {
        let node = cursor.node();
        if node.is_named() {
            let field = cursor
                .field_name()
                .map(|f| format!("{f}: "))
                .unwrap_or_default();
            let snippet: String = text[node.byte_range()]
                .chars()
                .take(40)
                .collect::<String>()
                .replace('\n', "⏎");
            println!(
                "{}{}{} [{}] {:?}",
                "  ".repeat(depth),
                field,
                node.kind(),
                node.start_position().row + 1,
                snippet
            );
        }
        if cursor.goto_first_child() {
            depth += 1;
            continue;
        }
        loop {
            if cursor.goto_next_sibling() {
                break;
            }
            if !cursor.goto_parent() {
                return;
            }
            depth -= 1;
        }
    }
}
