//! The binding pass: `NAME = value` in every language — enum members (`enum Op { Halt = 0 }`,
//! Python `Enum` classes, Java enum constants, Zig `enum` fields) grouped by their enum, and
//! named constants (`const`, `static`, `#define`, `final` fields, Go `const` specs, Ruby and
//! PHP constants) grouped by their scope: module, class, or Go `const ( … )` block, where
//! `iota` restarts and a spec without a value repeats the previous expression. Values are
//! evaluated as the walk meets them, so later constants can refer to earlier ones; members
//! without a written value count on from the previous one.

use std::collections::HashMap;

use tree_sitter::Node;

use super::syntax::{
    col_of, enclosing_name, inside_function, line_of, mnemonic_like, name_of, text, Parents,
};
use super::{Ctx, GroupKind, RawItem};
use crate::eval::eval;
use crate::lang::{Bind, EnumClass, Kinds};

/// A binding: a named value (or a member with an implicit value).
struct Binding<'t> {
    name: Node<'t>,
    value: Option<Node<'t>>,
    /// The enum container for enum members; `None` for plain constants.
    enum_container: Option<Node<'t>>,
}

/// The binding `node` makes, if its kind is one of the language's binding kinds
/// ([`Kinds::bindings`]), read as that kind's [`Bind`] says.
///
/// `parent` is `node`'s parent, which the caller's walk knows (for anonymous nodes the parent
/// index would have to fall back to tree-sitter's slow walk).
fn binding<'t>(
    kinds: &Kinds,
    parents: &Parents<'t>,
    node: Node<'t>,
    parent: Option<Node<'t>>,
    src: &str,
) -> Option<Binding<'t>> {
    let kind = node.kind();
    let &(_, bind) = kinds.bindings.iter().find(|(k, _)| *k == kind)?;
    let field = |f: &str| node.child_by_field_name(f);
    let b = match bind {
        Bind::Fields {
            member,
            value_required,
        } => Binding {
            name: field("name")?,
            value: if value_required {
                Some(field("value")?)
            } else {
                field("value")
            },
            enum_container: if member { parent } else { None },
        },
        Bind::BareMember { body } => {
            if parent.map(|p| p.kind()).unwrap_or("") != body {
                return None;
            }
            Binding {
                name: node,
                value: None,
                enum_container: parent,
            }
        }
        Bind::Assignment { left, enum_class } => {
            let name = field("left")?;
            if name.kind() != left {
                return None;
            }
            let value = field("right")?;
            Binding {
                name,
                value: Some(value),
                enum_container: enum_class
                    .and_then(|shape| enum_class_body(&shape, parents, parent, src)),
            }
        }
        Bind::ConstDeclarator { skip } => {
            let decl = parent?;
            if !text(decl, src).trim_start().starts_with("const")
                && !text(decl, src).contains("const ")
            {
                return None;
            }
            let value = field("value")?;
            // Objects and arrays are maps or records, handled elsewhere.
            if skip.contains(&value.kind()) {
                return None;
            }
            Binding {
                name: field("name")?,
                value: Some(value),
                enum_container: None,
            }
        }
        Bind::ConstInitDeclarator { name: plain } => {
            let decl = parent?;
            let t = text(decl, src);
            if !(t.contains("const") || t.contains("constexpr")) {
                return None;
            }
            let name = field("declarator")?;
            if name.kind() != plain {
                return None;
            }
            Binding {
                name,
                value: Some(field("value")?),
                enum_container: None,
            }
        }
        Bind::FinalField {
            field: fields,
            constant,
        } => {
            let decl = parent?;
            if decl.kind() != fields && decl.kind() != constant {
                return None;
            }
            let mods = text(decl, src);
            if decl.kind() == fields && !mods.contains("final") {
                return None;
            }
            Binding {
                name: field("name")?,
                value: Some(field("value")?),
                enum_container: None,
            }
        }
        Bind::EnumConstant => {
            let value = field("arguments").and_then(|a| a.named_child(0));
            Binding {
                name: field("name")?,
                value,
                enum_container: parent,
            }
        }
        Bind::Declaration {
            name: plain,
            nested,
        } => {
            let mut c = node.walk();
            let kids: Vec<Node> = node.named_children(&mut c).collect();
            let name = *kids.iter().find(|k| k.kind() == plain)?;
            let value = kids
                .iter()
                .rev()
                .find(|k| {
                    k.id() != name.id()
                        && node.child_by_field_name("type").map(|t| t.id()) != Some(k.id())
                })
                .copied()?;
            if nested.contains(&value.kind()) {
                return None;
            }
            Binding {
                name,
                value: Some(value),
                enum_container: None,
            }
        }
        Bind::ContainerField { container: kind } => {
            let container = parent?;
            if container.kind() != kind {
                return None;
            }
            let name = field("name")?;
            let mut c = node.walk();
            let value = node.named_children(&mut c).find(|k| {
                k.id() != name.id()
                    && node.child_by_field_name("type").map(|t| t.id()) != Some(k.id())
            });
            Binding {
                name,
                value,
                enum_container: Some(container),
            }
        }
        Bind::Positional => {
            let mut c = node.walk();
            let kids: Vec<Node> = node.named_children(&mut c).collect();
            let name = *kids.first()?;
            let value = *kids.get(1)?;
            Binding {
                name,
                value: Some(value),
                enum_container: None,
            }
        }
    };
    Some(b)
}

/// The enum an assignment is a member of, when it stands in the body of a class that derives
/// from `Enum` or `Flag` (`parent` is the assignment's statement in that body).
fn enum_class_body<'t>(
    shape: &EnumClass,
    parents: &Parents<'t>,
    parent: Option<Node<'t>>,
    src: &str,
) -> Option<Node<'t>> {
    // Members of an Enum subclass are enum members (auto() increments).
    let class = parent
        .and_then(|p| parents.parent(p))
        .and_then(|b| parents.parent(b))
        .filter(|c| c.kind() == shape.class);
    let is_enum = class.is_some_and(|c| {
        c.child_by_field_name("superclasses")
            .is_some_and(|s| text(s, src).contains("Enum") || text(s, src).contains("Flag"))
    });
    let in_class_body = parent.is_some_and(|p| p.kind() == shape.statement)
        && parent
            .and_then(|p| parents.parent(p))
            .is_some_and(|b| b.kind() == shape.body)
        && class.is_some();
    (is_enum && in_class_body)
        .then(|| parent.and_then(|p| parents.parent(p)))
        .flatten()
}

/// The type every valued spec of a block converts its value to (`Opcode` in
/// `Halt = Opcode(0x00)`): a call of one argument to the same callee, in at least three specs.
fn conversion_type(kinds: &Kinds, specs: &[Node], src: &str) -> Option<String> {
    let mut ty: Option<&str> = None;
    let mut count = 0;
    for s in specs {
        let Some(value) = s.child_by_field_name("value") else {
            continue;
        };
        let value = if value.named_child_count() == 1 && !kinds.calls.contains(&value.kind()) {
            value.named_child(0)?
        } else {
            value
        };
        if !kinds.calls.contains(&value.kind()) {
            return None;
        }
        let callee = text(value.child_by_field_name("function")?, src);
        let args = value.child_by_field_name("arguments")?;
        if args.named_child_count() != 1 || ty.is_some_and(|t| t != callee) {
            return None;
        }
        ty = Some(callee);
        count += 1;
    }
    (count >= 3).then(|| ty.map(str::to_string)).flatten()
}

/// The scope node and name that plain constants are grouped by.
///
/// A Go block's type is looked up once per block (`block_types`): finding it scans the block's
/// specs, and doing that for every spec was quadratic in the block's length.
fn const_scope<'t>(
    kinds: &Kinds,
    parents: &Parents<'t>,
    block_types: &mut HashMap<usize, String>,
    node: Node<'t>,
    src: &str,
) -> (Option<Node<'t>>, String) {
    let mut cur = parents.parent(node);
    while let Some(n) = cur {
        let kind = n.kind();
        if kinds.const_blocks.contains(&kind)
            && parents
                .parent(n)
                .is_some_and(|p| !kinds.class_bodies.contains(&p.kind()))
        {
            // A Go `const ( … )` block: its own group (iota restarts there), named after
            // the declared type of its first typed spec (`OpNop Opcode = iota`).
            // A block of conversions (`Halt = Opcode(0x00)`) is named after the type its
            // values are all converted to.
            let ty = block_types.entry(n.id()).or_insert_with(|| {
                let mut c = n.walk();
                let specs: Vec<Node> = n.named_children(&mut c).collect();
                specs
                    .iter()
                    .find_map(|s| s.child_by_field_name("type"))
                    .map(|t| text(t, src).to_string())
                    .or_else(|| conversion_type(kinds, &specs, src))
                    .unwrap_or_default()
            });
            return (Some(n), ty.clone());
        }
        if kinds.scopes.contains(&kind) {
            let name = name_of(kinds, n, src)
                .or_else(|| {
                    n.child_by_field_name("type")
                        .map(|t| text(t, src).to_string())
                })
                .unwrap_or_default();
            return (Some(n), name);
        }
        cur = parents.parent(n);
    }
    (None, String::new())
}

/// A scope's running state in the binding pass: previous value (implicit increments), Go iota
/// index and the last explicit expression (Go repeats it for specs without a value).
#[derive(Debug)]
pub(super) struct ScopeState(Option<i64>, i64, Option<String>);

impl Default for ScopeState {
    fn default() -> ScopeState {
        ScopeState(None, -1, None)
    }
}

pub(super) fn binding_pass(ctx: &mut Ctx, root: Node) {
    // Per-group running state is kept in the context by the group node's byte range (the
    // module scope's, with no group node, by none): a file parsed in pieces has one tree per
    // piece, and an enum cut in two is the same byte range in both, so its implicit values
    // and Go's iota run on across the cut.
    let mut enum_names: HashMap<usize, String> = HashMap::new();
    // Pre-order, children left to right: source order, so earlier constants are defined
    // before later ones refer to them.
    let parents = ctx.parents;
    for (at, node, parent) in parents.all() {
        // What `binding` asks first, from the layout's kinds (most nodes bind nothing).
        let kind = parents.kind_at(at);
        if !ctx.kinds.bindings.iter().any(|(k, _)| *k == kind) {
            continue;
        }
        let Some(b) = binding(ctx.kinds, &ctx.parents, node, parent, ctx.src) else {
            continue;
        };
        if inside_function(ctx.kinds, &ctx.parents, node) {
            continue;
        }
        let name = text(b.name, ctx.src).trim().to_string();
        if !mnemonic_like(&name) || name == "_" {
            continue;
        }
        let (group_node, symbol, kind) = match b.enum_container {
            Some(c) => {
                // Once per container: naming it asks the container for a field, which scans
                // all its members (quadratic over a 100,000-member enum).
                let sym = match enum_names.get(&c.id()) {
                    Some(sym) => sym.clone(),
                    None => {
                        let sym = enclosing_name(ctx.kinds, &ctx.parents, c, ctx.src, 4)
                            .unwrap_or_default();
                        enum_names.insert(c.id(), sym.clone());
                        sym
                    }
                };
                (Some(c), sym, GroupKind::Enum)
            }
            None => {
                let (scope, sym) = const_scope(
                    ctx.kinds,
                    &ctx.parents,
                    &mut ctx.const_block_types,
                    node,
                    ctx.src,
                );
                (scope, sym, GroupKind::Consts)
            }
        };
        let st = ctx
            .scope_states
            .entry(group_node.map(|g| (g.start_byte(), g.end_byte())))
            .or_default();
        st.1 += 1;
        let iota = st.1;
        let value_text = b.value.map(|v| {
            let t = text(v, ctx.src);
            // A macro body keeps its trailing comment (`#define OP_CALL 0x40 // CALL addr`).
            let t = if ctx.kinds.macro_values.contains(&v.kind()) {
                t.find("//")
                    .into_iter()
                    .chain(t.find("/*"))
                    .min()
                    .map_or(t, |i| &t[..i])
            } else {
                t
            };
            t.trim().to_string()
        });
        let is_auto = value_text
            .as_deref()
            .is_some_and(|t| t.starts_with("auto("));
        let value = match value_text.as_deref() {
            Some(t) if !is_auto => {
                st.2 = Some(t.to_string());
                eval(t, &ctx.env, Some(iota))
            }
            _ if ctx.kinds.repeats_previous_value => {
                st.2.as_deref().and_then(|t| eval(t, &ctx.env, Some(iota)))
            }
            _ if kind == GroupKind::Enum || is_auto => {
                // Implicit increment: previous + 1; the first member is 0 (1 for Python auto()).
                Some(match st.0 {
                    Some(p) => p + 1,
                    None if is_auto => 1,
                    None => 0,
                })
            }
            _ => None,
        };
        let Some(value) = value else {
            continue;
        };
        let implicit = !ctx.kinds.repeats_previous_value
            && (is_auto || (value_text.is_none() && kind == GroupKind::Enum));
        st.0 = Some(value);
        ctx.env.define_member(&symbol, &name, value);
        let hex = value_text
            .as_deref()
            .map(|t| t.contains("0x") || t.contains("0X"))
            .unwrap_or(false);
        let item = RawItem {
            name,
            value,
            line: line_of(b.name),
            column: col_of(b.name),
            hex,
            format: None,
            implicit,
            size: None,
            reserved: false,
        };
        let anchor = group_node.unwrap_or(root);
        ctx.group(anchor, kind, symbol).items.push(item);
    }
}
