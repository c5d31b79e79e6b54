//! Prints every candidate group of a file with its score (a development aid for the classifier).
fn main() {
    let path = std::env::args().nth(1).expect("usage: groups FILE");
    let text = std::fs::read_to_string(&path).expect("readable file");
    let lang = isa_scan::Lang::from_path(std::path::Path::new(&path)).expect("known extension");
    let mut parser = tree_sitter::Parser::new();
    parser.set_language(&lang.grammar()).expect("grammar loads");
    let tree = parser.parse(&text, None).expect("parse");
    for g in isa_scan::extract::extract(lang, &tree, &text) {
        println!(
            "{:?} {:?} line {} ctx {:?}",
            g.kind,
            g.symbol,
            g.line,
            g.context.chars().take(60).collect::<String>()
        );
        for (prefix, items) in isa_scan::classify::clusters(g.items.clone()) {
            let s = isa_scan::classify::score(&g, &prefix, &items);
            let names: Vec<String> = items
                .iter()
                .map(|i| format!("{}={}", i.name, i.value))
                .collect();
            println!("   [{prefix}] score {s:.2}: {}", names.join(" "));
        }
    }
}
