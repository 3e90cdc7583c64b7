//! Keeps the files of every folder under `soc-core/src` free of `use`
//! cycles (issue #15: "small leaf modules with no cycles").
//!
//! In each folder the nodes are `mod.rs`, its sibling files and its
//! sub-folders (one node each, with everything below them). An edge runs
//! from a node to the node that defines a name it refers to, through
//! `super::name` (from a file of the folder), `crate::<folder>::name` (from
//! anywhere below it), or `self::name` / `child::` (from `mod.rs`). A name
//! that `mod.rs` re-exports with `pub use child::name` counts as the child's,
//! so reaching an item through the folder's public face is not a cycle.
//! Inline `#[cfg(test)] mod` blocks and comments are not read: a test module
//! may see its parent.
//!
//! This reads source as text, so it is an approximation of name
//! resolution, but a good one for this codebase's plain `use` style; it
//! fails with the folder, the cycle and one line per edge that forms it.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

/// Cycles known when this test was written (`folder`, sorted node names),
/// most of them a trait or helper in `mod.rs` used by the files that
/// `mod.rs` re-exports. Do not add to this list: move the shared item into
/// a leaf file instead, and remove an entry when its cycle is broken.
const KNOWN_CYCLES: &[(&str, &[&str])] = &[
    ("source/file", &["mod", "open"]),
    ("source/splunk", &["adapter", "mod"]),
    ("store", &["detector", "lock", "mod", "wal"]),
    ("store", &["inbox", "rollup_walk"]),
    ("respond/cloud/aws", &["client", "credentials", "sigv4"]),
    ("respond/cloud/aws", &["api", "config", "mod"]),
    (
        "respond/cloud",
        &[
            "appliance",
            "aws",
            "cloudflare",
            "config",
            "memory",
            "mod",
            "opnsense",
            "pfsense",
            "responder",
        ],
    ),
    ("parse/ssh", &["dialect", "header"]),
    ("parse/ssh", &["addr", "ipv6"]),
    ("parse/ssh", &["attempt", "message"]),
];

fn is_ident(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// The code of a file without comment lines and inline test modules.
fn code_of(path: &Path) -> String {
    let text = fs::read_to_string(path).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    let mut out = String::new();
    let mut i = 0;
    while i < lines.len() {
        let t = lines[i].trim();
        if t == "#[cfg(test)]" {
            let next = lines.get(i + 1).map_or("", |l| l.trim());
            if next.starts_with("mod ") && next.ends_with('{') {
                break; // inline test modules stand at the end of a file
            }
        }
        if !t.starts_with("//") {
            let code = t.split(" // ").next().unwrap_or(t);
            out.push_str(code);
            out.push('\n');
        }
        i += 1;
    }
    out
}

/// The first identifiers of the path(s) that follow `rest`: `name` or
/// the top-level items of a `{a, b::c, self}` group.
fn heads(rest: &str) -> Vec<String> {
    if let Some(group) = rest.strip_prefix('{') {
        let (mut depth, mut item, mut out) = (0usize, String::new(), Vec::new());
        for c in group.chars() {
            match c {
                '{' => depth += 1,
                '}' if depth == 0 => break,
                '}' => depth -= 1,
                ',' if depth == 0 => {
                    out.push(std::mem::take(&mut item));
                    continue;
                }
                _ => {}
            }
            if depth == 0 {
                item.push(c);
            }
        }
        out.push(item);
        return out
            .iter()
            .map(|s| {
                s.trim()
                    .chars()
                    .take_while(|&c| is_ident(c) || c == '*')
                    .collect()
            })
            .filter(|s: &String| !s.is_empty())
            .collect();
    }
    let head: String = rest
        .chars()
        .take_while(|&c| is_ident(c) || c == '*')
        .collect();
    if head.is_empty() {
        vec![]
    } else {
        vec![head]
    }
}

/// Every head after each occurrence of `prefix` standing as a whole path
/// start (not preceded by an identifier character or `::`).
fn refs_after(code: &str, prefix: &str) -> Vec<String> {
    let mut out = Vec::new();
    for (at, _) in code.match_indices(prefix) {
        let before = code[..at].chars().next_back();
        if before.is_some_and(|c| is_ident(c) || c == ':') {
            continue;
        }
        out.extend(heads(&code[at + prefix.len()..]));
    }
    out
}

/// Names `mod.rs` defines itself, and names it re-exports from a child.
fn names_of_mod(
    code: &str,
    children: &BTreeSet<String>,
) -> (BTreeSet<String>, BTreeMap<String, String>) {
    let mut own = BTreeSet::new();
    let mut reexported = BTreeMap::new();
    for line in code.lines() {
        let words: Vec<&str> = line
            .split(|c: char| !(is_ident(c) || c == '!'))
            .filter(|w| !w.is_empty())
            .collect();
        for pair in words.windows(2) {
            if matches!(
                pair[0],
                "fn" | "struct" | "enum" | "trait" | "type" | "const" | "static" | "macro_rules!"
            ) {
                own.insert(pair[1].to_string());
            }
        }
        let l = line.trim_start();
        let l = l
            .strip_prefix("pub use ")
            .or_else(|| l.strip_prefix("pub(crate) use "))
            .or_else(|| l.strip_prefix("pub(super) use "));
        if let Some(l) = l {
            let child: String = l.chars().take_while(|&c| is_ident(c)).collect();
            if children.contains(&child) {
                let rest = l[child.len()..].trim_start_matches("::");
                for name in heads(rest) {
                    reexported.insert(name, child.clone());
                }
            }
        }
    }
    (own, reexported)
}

fn rs_files_below(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() {
            rs_files_below(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

type Edges = BTreeMap<String, BTreeMap<String, String>>;

/// The `use` graph of one folder: node -> (target -> an example reference).
fn folder_graph(dir: &Path, crate_path: &str) -> Edges {
    let mut children = BTreeSet::new();
    let mut members: Vec<(String, Vec<PathBuf>, bool)> = Vec::new();
    for e in fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        let name = p
            .file_stem()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned();
        if p.is_dir() {
            let mut files = Vec::new();
            rs_files_below(&p, &mut files);
            children.insert(name.clone());
            members.push((name, files, false));
        } else if p.extension().is_some_and(|x| x == "rs") && name != "mod" {
            children.insert(name.clone());
            members.push((name, vec![p], true));
        }
    }
    let mod_code = code_of(&dir.join("mod.rs"));
    let (own, reexported) = names_of_mod(&mod_code, &children);
    let resolve = |name: &str| -> Option<String> {
        if children.contains(name) {
            Some(name.to_string())
        } else if let Some(child) = reexported.get(name) {
            Some(child.clone())
        } else if own.contains(name) || name == "*" {
            Some("mod".to_string())
        } else {
            None
        }
    };
    let mut edges = Edges::new();
    let mut add = |from: &str, names: Vec<String>, via: &str| {
        for n in names {
            if let Some(to) = resolve(&n) {
                if to != from {
                    edges
                        .entry(from.to_string())
                        .or_default()
                        .entry(to)
                        .or_insert_with(|| format!("{via}{n}"));
                }
            }
        }
    };
    let crate_prefix = format!("crate::{crate_path}::");
    add("mod", refs_after(&mod_code, "self::"), "self::");
    for child in &children {
        if !refs_after(&mod_code, &format!("{child}::")).is_empty() {
            add("mod", vec![child.clone()], "");
        }
    }
    for (name, files, direct) in &members {
        for f in files {
            let code = code_of(f);
            if *direct {
                add(name, refs_after(&code, "super::"), "super::");
            }
            add(name, refs_after(&code, &crate_prefix), &crate_prefix);
        }
    }
    edges
}

/// Strongly connected components with more than one node (Tarjan).
fn cycles(edges: &Edges) -> Vec<Vec<String>> {
    struct State<'a> {
        edges: &'a Edges,
        index: BTreeMap<&'a str, usize>,
        low: BTreeMap<&'a str, usize>,
        stack: Vec<&'a str>,
        on_stack: BTreeSet<&'a str>,
        out: Vec<Vec<String>>,
    }
    fn visit<'a>(s: &mut State<'a>, v: &'a str) {
        let i = s.index.len();
        s.index.insert(v, i);
        s.low.insert(v, i);
        s.stack.push(v);
        s.on_stack.insert(v);
        if let Some(targets) = s.edges.get(v) {
            for w in targets.keys() {
                let w = w.as_str();
                if !s.index.contains_key(w) {
                    visit(s, w);
                    let lw = s.low[w];
                    let lv = s.low.get_mut(v).expect("visited");
                    *lv = (*lv).min(lw);
                } else if s.on_stack.contains(w) {
                    let iw = s.index[w];
                    let lv = s.low.get_mut(v).expect("visited");
                    *lv = (*lv).min(iw);
                }
            }
        }
        if s.low[v] == s.index[v] {
            let mut comp = Vec::new();
            while let Some(w) = s.stack.pop() {
                s.on_stack.remove(w);
                comp.push(w.to_string());
                if w == v {
                    break;
                }
            }
            if comp.len() > 1 {
                comp.sort();
                s.out.push(comp);
            }
        }
    }
    let mut s = State {
        edges,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        out: Vec::new(),
    };
    for v in edges.keys() {
        if !s.index.contains_key(v.as_str()) {
            visit(&mut s, v);
        }
    }
    s.out
}

fn all_folders(dir: &Path, crate_path: &str, out: &mut Vec<(PathBuf, String)>) {
    for e in fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() && p.join("mod.rs").is_file() {
            let name = p
                .file_name()
                .unwrap_or_default()
                .to_string_lossy()
                .into_owned();
            let path = if crate_path.is_empty() {
                name
            } else {
                format!("{crate_path}::{name}")
            };
            all_folders(&p, &path, out);
            out.push((p, path));
        }
    }
}

#[test]
fn no_folder_has_a_file_cycle() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut folders = Vec::new();
    all_folders(&src, "", &mut folders);
    assert!(
        folders.len() > 10,
        "found only {} folders under {}",
        folders.len(),
        src.display()
    );
    let mut problems = Vec::new();
    let mut known_seen = BTreeSet::new();
    for (dir, crate_path) in &folders {
        let edges = folder_graph(dir, crate_path);
        for comp in cycles(&edges) {
            let folder = crate_path.replace("::", "/");
            if let Some(i) = KNOWN_CYCLES
                .iter()
                .position(|(f, nodes)| *f == folder && nodes.iter().eq(comp.iter()))
            {
                known_seen.insert(i);
                continue;
            }
            let mut msg = format!("{folder}/: {}", comp.join(" <-> "));
            for from in &comp {
                for (to, via) in edges.get(from).into_iter().flatten() {
                    if comp.contains(to) {
                        msg.push_str(&format!("\n    {from} -> {to} ({via})"));
                    }
                }
            }
            problems.push(msg);
        }
    }
    for (i, (folder, nodes)) in KNOWN_CYCLES.iter().enumerate() {
        if !known_seen.contains(&i) {
            eprintln!("known cycle gone, remove it from KNOWN_CYCLES: {folder}/ {nodes:?}");
        }
    }
    assert!(problems.is_empty(), "file cycles:\n{}", problems.join("\n"));
}

#[test]
fn the_scanner_sees_a_cycle_through_super_and_not_through_reexports() {
    let dir = tempfile::tempdir().expect("temp dir");
    let d = dir.path();
    fs::write(
        d.join("mod.rs"),
        "mod a;\nmod b;\npub use b::Thing;\npub fn shared() {}\nfn f() { a::run() }\n",
    )
    .expect("write");
    fs::write(
        d.join("a.rs"),
        "use super::{shared, Thing};\npub fn run() {}\n",
    )
    .expect("write");
    fs::write(
        d.join("b.rs"),
        "pub struct Thing;\n#[cfg(test)]\nmod tests {\n    use super::super::*;\n}\n",
    )
    .expect("write");
    let edges = folder_graph(d, "x");
    assert_eq!(
        cycles(&edges),
        vec![vec!["a".to_string(), "mod".to_string()]]
    );
    fs::write(d.join("a.rs"), "use super::Thing;\npub fn run() {}\n").expect("write");
    assert!(
        cycles(&folder_graph(d, "x")).is_empty(),
        "a re-exported name is the child's"
    );
}
