//! Imports inside each crate of the workspace go one way: no two parts of a crate import
//! each other, and conductor-core's layers keep their order.
//!
//! # The rule
//!
//! A crate is a tree of modules: `lib.rs` is the root, `foo.rs` or `foo/mod.rs` is the
//! module `foo`, `foo/bar.rs` is `foo::bar`. For every module `M`, its child modules
//! (one file, or one directory with everything under it) form a graph: `A -> B` when any
//! file under `A` names anything under `B`. That graph must have no cycle.
//!
//! What counts as naming: every path that starts with `crate::`, `super::` or `self::`
//! (in `use` declarations and in code, including `use` groups `crate::{a, b}`), and the
//! paths of `use` declarations that start with a child module's name. A name a parent
//! re-exports (`pub use host::PluginHost;` in `plugin/mod.rs`, or a private `use` a
//! child reaches through `super::`) counts as naming the module it comes from, so a
//! re-export cannot hide a cycle. Comments, doc links and string literals do not count.
//!
//! Allowed on purpose: a module and its own descendants may import each other (a
//! `mod.rs` re-exports its children and the children use the parent's shared helpers;
//! that is one unit), and a file may import itself (`use super::*` in its tests).
//! Binaries under `src/bin/` are separate crates of one file each and are not read.
//!
//! On top of that, conductor-core's stages stack: `midi` is the bottom (it names none of
//! `mapping`, `config`, `plugin`, `engine`), `plugin` names neither `config` nor
//! `engine`, `config` does not name `engine`, and `mapping` does not name `engine`.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

/// A module's path from the crate root (`["plugin", "host"]`).
type ModPath = Vec<String>;

/// One `.rs` file: its module and what it names.
struct SourceFile {
    /// The file, relative to the workspace, for messages.
    shown: String,
    module: ModPath,
    tokens: Vec<String>,
}

/// One crate's modules and what each file names.
struct Crate {
    name: String,
    files: Vec<SourceFile>,
    modules: BTreeSet<ModPath>,
    /// Per module, the names its `use` declarations bring in, and the path they stand for.
    imports: BTreeMap<ModPath, BTreeMap<String, ModPath>>,
    /// Per module, the paths of its glob imports (`pub use foo::*`).
    globs: BTreeMap<ModPath, Vec<ModPath>>,
}

/// An edge between two sibling modules, with one reference that makes it.
#[derive(Clone)]
struct Evidence {
    file: String,
    named: String,
}

/// The sibling graph of one module: child -> child -> an example reference.
type Graph = BTreeMap<String, BTreeMap<String, Evidence>>;

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("conductor-core sits in the workspace")
        .to_path_buf()
}

/// Splits Rust source into identifiers and the punctuation paths are made of (`::`,
/// `{`, `}`, `,`, `*`, `;`), dropping comments, strings and character literals.
fn lex(src: &str) -> Vec<String> {
    let b = src.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if b[i..].starts_with(b"//") {
            while i < b.len() && b[i] != b'\n' {
                i += 1;
            }
        } else if b[i..].starts_with(b"/*") {
            let mut depth = 0;
            while i < b.len() {
                if b[i..].starts_with(b"/*") {
                    depth += 1;
                    i += 2;
                } else if b[i..].starts_with(b"*/") {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    i += 1;
                }
            }
        } else if let Some(len) = raw_string_len(&b[i..]) {
            i += len;
        } else if c == b'"' || b[i..].starts_with(b"b\"") {
            i += if c == b'b' { 2 } else { 1 };
            while i < b.len() && b[i] != b'"' {
                i += if b[i] == b'\\' { 2 } else { 1 };
            }
            i += 1;
        } else if c == b'\'' {
            i += char_literal_len(&src[i..]).unwrap_or(1);
        } else if c.is_ascii_alphabetic() || c == b'_' {
            let start = i;
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
                i += 1;
            }
            out.push(src[start..i].to_string());
        } else if b[i..].starts_with(b"::") {
            out.push("::".into());
            i += 2;
        } else {
            if b"{},*;".contains(&c) {
                out.push((c as char).to_string());
            }
            i += 1;
        }
    }
    out
}

/// The length of a raw string literal (`r"..."`, `br#"..."#`) starting here.
fn raw_string_len(b: &[u8]) -> Option<usize> {
    let mut i = usize::from(b.first() == Some(&b'b'));
    if b.get(i) != Some(&b'r') {
        return None;
    }
    i += 1;
    let hashes = b[i..].iter().take_while(|&&c| c == b'#').count();
    i += hashes;
    if b.get(i) != Some(&b'"') {
        return None;
    }
    i += 1;
    let mut end = vec![b'"'];
    end.extend(std::iter::repeat_n(b'#', hashes));
    while i < b.len() {
        if b[i..].starts_with(&end) {
            return Some(i + end.len());
        }
        i += 1;
    }
    Some(b.len())
}

/// The length of a character literal starting here (`'a'`, `'\\n'`), or `None` for
/// a lifetime (`'a`).
fn char_literal_len(rest: &str) -> Option<usize> {
    let b = rest.as_bytes();
    if b.get(1) == Some(&b'\\') {
        let close = b[2..].iter().position(|&c| c == b'\'')?;
        return Some(close + 3);
    }
    let ch = rest[1..].chars().next()?;
    let after = 1 + ch.len_utf8();
    (b.get(after) == Some(&b'\'')).then_some(after + 1)
}

/// The module a file is, from its path under `src/`.
fn module_of(relative: &Path) -> ModPath {
    let mut parts: Vec<String> = relative
        .iter()
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    let file = parts.pop().expect("a file name");
    match file.as_str() {
        "lib.rs" | "main.rs" | "mod.rs" => {}
        _ => parts.push(file.trim_end_matches(".rs").to_string()),
    }
    parts
}

fn collect_files(dir: &Path, src: &Path, root: &Path, out: &mut Vec<SourceFile>) {
    let mut entries: Vec<_> = fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .map(|e| e.expect("a directory entry").path())
        .collect();
    entries.sort();
    for path in entries {
        let relative = path.strip_prefix(src).expect("under src");
        if path.is_dir() {
            if relative != Path::new("bin") {
                collect_files(&path, src, root, out);
            }
        } else if path.extension().is_some_and(|e| e == "rs") {
            let text = fs::read_to_string(&path).expect("readable source");
            out.push(SourceFile {
                shown: path
                    .strip_prefix(root)
                    .unwrap_or(&path)
                    .display()
                    .to_string(),
                module: module_of(relative),
                tokens: lex(&text),
            });
        }
    }
}

/// Where a path as written starts.
#[derive(Clone, Copy)]
enum Start {
    Crate,
    /// `self::` (0) or `super::` as many times as given.
    Up(usize),
    /// A bare first segment (only read in `use` declarations).
    Bare,
}

/// Reads a use tree at `tokens[*i..]` after `prefix`, adding every full path to `out`.
fn use_tree(tokens: &[String], i: &mut usize, prefix: Vec<String>, out: &mut Vec<Vec<String>>) {
    match tokens.get(*i).map(String::as_str) {
        Some("{") => {
            *i += 1;
            loop {
                match tokens.get(*i).map(String::as_str) {
                    None => return,
                    Some("}") => {
                        *i += 1;
                        return;
                    }
                    Some(",") => *i += 1,
                    _ => use_tree(tokens, i, prefix.clone(), out),
                }
            }
        }
        Some("*") => {
            *i += 1;
            let mut p = prefix;
            p.push("*".into());
            out.push(p);
        }
        Some(t) if is_ident(t) => {
            let mut p = prefix;
            p.push(t.to_string());
            *i += 1;
            if tokens.get(*i).map(String::as_str) == Some("::") {
                *i += 1;
                use_tree(tokens, i, p, out);
            } else {
                if tokens.get(*i).map(String::as_str) == Some("as") {
                    // `x as y`: what `y` stands for is `x`; remember both names.
                    *i += 1;
                    if let Some(alias) = tokens.get(*i).filter(|t| is_ident(t)) {
                        p.push(format!("as {alias}"));
                        *i += 1;
                    }
                }
                out.push(p);
            }
        }
        _ => out.push(prefix),
    }
}

fn is_ident(t: &str) -> bool {
    t.chars()
        .next()
        .is_some_and(|c| c.is_alphabetic() || c == '_')
}

/// Every path a file names, as (module the path is written in, start, segments, whether
/// it is a `use` declaration).
fn paths_in(file: &SourceFile) -> Vec<(ModPath, Start, Vec<String>, bool)> {
    let t = &file.tokens;
    let mut out = Vec::new();
    // Inline modules (`mod tests { ... }`) change what `super` means.
    let mut inline: Vec<(String, usize)> = Vec::new();
    let mut depth = 0usize;
    let mut in_use = false;
    let mut i = 0;
    while i < t.len() {
        let here = || {
            let mut m = file.module.clone();
            m.extend(inline.iter().map(|(n, _)| n.clone()));
            m
        };
        match t[i].as_str() {
            "{" => depth += 1,
            "}" => {
                depth = depth.saturating_sub(1);
                if inline.last().is_some_and(|(_, d)| *d == depth) {
                    inline.pop();
                }
            }
            ";" => in_use = false,
            "mod" if t.get(i + 2).map(String::as_str) == Some("{") => {
                inline.push((t[i + 1].clone(), depth));
            }
            "use" => {
                in_use = true;
                // A bare `use child::...` (not crate/super/self, which are read below).
                let next = t.get(i + 1).map(String::as_str);
                if next.is_some_and(|n| {
                    is_ident(n) && !matches!(n, "crate" | "super" | "self" | "std")
                }) {
                    let mut j = i + 1;
                    let mut trees = Vec::new();
                    use_tree(t, &mut j, Vec::new(), &mut trees);
                    for p in trees {
                        out.push((here(), Start::Bare, p, true));
                    }
                    i = j;
                    continue;
                }
                if next == Some("{") {
                    // `use {a::b, crate::c};` is rare; read each branch as bare.
                    let mut j = i + 1;
                    let mut trees = Vec::new();
                    use_tree(t, &mut j, Vec::new(), &mut trees);
                    for p in trees {
                        out.push((here(), Start::Bare, p, true));
                    }
                    i = j;
                    continue;
                }
            }
            "crate" | "super" | "self"
                if t.get(i + 1).map(String::as_str) == Some("::")
                    && (i == 0 || t[i - 1] != "::") =>
            {
                let start = if t[i] == "crate" {
                    i += 2;
                    Start::Crate
                } else {
                    let mut ups = 0;
                    while i + 1 < t.len() && (t[i] == "super" || t[i] == "self") && t[i + 1] == "::"
                    {
                        ups += usize::from(t[i] == "super");
                        i += 2;
                    }
                    Start::Up(ups)
                };
                let mut trees = Vec::new();
                use_tree(t, &mut i, Vec::new(), &mut trees);
                let module = here();
                for p in trees {
                    out.push((module.clone(), start, p, in_use));
                }
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    out
}

impl Crate {
    fn read(dir: &str) -> Crate {
        let root = workspace();
        let src = root.join(dir).join("src");
        let mut files = Vec::new();
        collect_files(&src, &src, &root, &mut files);
        assert!(!files.is_empty(), "no sources under {}", src.display());
        let mut modules: BTreeSet<ModPath> = files.iter().map(|f| f.module.clone()).collect();
        // Inline modules are modules too (their files are the enclosing file).
        for f in &files {
            for w in f.tokens.windows(3) {
                if w[0] == "mod" && w[2] == "{" {
                    let mut m = f.module.clone();
                    m.push(w[1].clone());
                    modules.insert(m);
                }
            }
        }
        let mut krate = Crate {
            name: dir.to_string(),
            files,
            modules,
            imports: BTreeMap::new(),
            globs: BTreeMap::new(),
        };
        let mut imports: BTreeMap<ModPath, BTreeMap<String, ModPath>> = BTreeMap::new();
        let mut globs: BTreeMap<ModPath, Vec<ModPath>> = BTreeMap::new();
        for f in &krate.files {
            for (module, start, segments, is_use) in paths_in(f) {
                if !is_use {
                    continue;
                }
                let Some(mut absolute) = krate.absolute(&module, &start, &segments) else {
                    continue;
                };
                if absolute.last().is_some_and(|s| s == "*") {
                    absolute.pop();
                    globs.entry(module).or_default().push(absolute);
                    continue;
                }
                let name = match absolute.last().and_then(|s| s.strip_prefix("as ")) {
                    Some(alias) => {
                        let alias = alias.to_string();
                        absolute.pop();
                        alias
                    }
                    None => match absolute.last() {
                        Some(n) if n == "self" => {
                            absolute.pop();
                            absolute.last().cloned().unwrap_or_default()
                        }
                        Some(n) => n.clone(),
                        None => continue,
                    },
                };
                if absolute.last().is_some_and(|s| s == "self") {
                    absolute.pop();
                }
                imports.entry(module).or_default().insert(name, absolute);
            }
        }
        krate.imports = imports;
        krate.globs = globs;
        krate
    }

    /// The absolute path (from the crate root) a path written in `module` stands for;
    /// `None` for paths into other crates.
    fn absolute(&self, module: &ModPath, start: &Start, segments: &[String]) -> Option<ModPath> {
        let mut base = match start {
            Start::Crate => Vec::new(),
            Start::Up(n) => module[..module.len().checked_sub(*n)?].to_vec(),
            Start::Bare => {
                let first = segments.first()?;
                let mut child = module.clone();
                child.push(first.clone());
                if !self.modules.contains(&child) {
                    return None;
                }
                module.clone()
            }
        };
        base.extend(segments.iter().cloned());
        Some(base)
    }

    /// The deepest module an absolute path leads into, following `use` imports.
    fn resolve(&self, path: &[String], hops: usize) -> ModPath {
        let mut current: ModPath = Vec::new();
        for (k, segment) in path.iter().enumerate() {
            let mut child = current.clone();
            child.push(segment.clone());
            if self.modules.contains(&child) {
                current = child;
                continue;
            }
            if hops < 16 {
                if let Some(target) = self.imports.get(&current).and_then(|m| m.get(segment)) {
                    let mut rest = target.clone();
                    rest.extend(path[k + 1..].iter().cloned());
                    return self.resolve(&rest, hops + 1);
                }
                for glob in self.globs.get(&current).into_iter().flatten() {
                    let mut through = glob.clone();
                    through.extend(path[k..].iter().cloned());
                    let found = self.resolve(&through, hops + 1);
                    if found.len() > glob.len() || self.defines(glob, segment) {
                        return found;
                    }
                }
            }
            break;
        }
        current
    }

    /// Whether `module` plausibly defines `name` itself (used for glob re-exports).
    fn defines(&self, module: &ModPath, name: &str) -> bool {
        self.files.iter().filter(|f| &f.module == module).any(|f| {
            f.tokens.windows(2).any(|w| {
                matches!(
                    w[0].as_str(),
                    "fn" | "struct" | "enum" | "trait" | "type" | "const" | "static"
                ) && w[1] == name
            })
        })
    }

    /// For every module, the graph of its children.
    fn graphs(&self) -> BTreeMap<ModPath, Graph> {
        let mut graphs: BTreeMap<ModPath, Graph> = BTreeMap::new();
        for f in &self.files {
            for (module, start, segments, _) in paths_in(f) {
                let Some(absolute) = self.absolute(&module, &start, &segments) else {
                    continue;
                };
                let target = self.resolve(&absolute, 0);
                let from = &f.module;
                let common = from.iter().zip(&target).take_while(|(a, b)| a == b).count();
                if common == from.len() || common == target.len() {
                    continue; // A module and its own ancestors or descendants.
                }
                graphs
                    .entry(from[..common].to_vec())
                    .or_default()
                    .entry(from[common].clone())
                    .or_default()
                    .entry(target[common].clone())
                    .or_insert_with(|| Evidence {
                        file: f.shown.clone(),
                        named: absolute
                            .iter()
                            .map(|s| s.trim_start_matches("as "))
                            .collect::<Vec<_>>()
                            .join("::"),
                    });
            }
        }
        graphs
    }

    /// Every import cycle, each described with the references that close it.
    fn cycles(&self) -> Vec<Cycle> {
        let mut found = Vec::new();
        for (parent, graph) in self.graphs() {
            for cycle in cycles_in(&graph) {
                let place = if parent.is_empty() {
                    "the crate root".to_string()
                } else {
                    format!("`{}`", parent.join("::"))
                };
                let mut steps = Vec::new();
                for pair in cycle.windows(2) {
                    let e = &graph[&pair[0]][&pair[1]];
                    steps.push(format!(
                        "{} -> {} ({} names `{}`)",
                        pair[0], pair[1], e.file, e.named
                    ));
                }
                let message = format!(
                    "{}: in {place}: {}\n    {}",
                    self.name,
                    cycle.join(" -> "),
                    steps.join("\n    ")
                );
                let mut nodes = cycle;
                nodes.pop();
                nodes.sort();
                found.push(Cycle {
                    krate: self.name.clone(),
                    parent: parent.join("::"),
                    nodes,
                    message,
                });
            }
        }
        found
    }
}

/// An import cycle found in a crate.
struct Cycle {
    krate: String,
    /// The module whose children import each other ("" for the crate root).
    parent: String,
    /// The children in the cycle, sorted.
    nodes: Vec<String>,
    /// What to show: the cycle and one reference for each of its edges.
    message: String,
}

/// One cycle through each strongly connected group of `graph` (a group of one with no
/// edge to itself is no cycle), each starting and ending at its smallest node.
fn cycles_in(graph: &Graph) -> Vec<Vec<String>> {
    let mut seen: BTreeSet<String> = BTreeSet::new();
    let mut out = Vec::new();
    for start in graph.keys() {
        if seen.contains(start) {
            continue;
        }
        // Nodes reachable from `start` that reach back to it form its group.
        let forward = reachable(graph, start);
        let group: BTreeSet<String> = forward
            .iter()
            .filter(|n| reachable(graph, n).contains(start))
            .cloned()
            .collect();
        if group.is_empty() {
            continue;
        }
        seen.extend(group.iter().cloned());
        if let Some(path) = path_back(graph, start, &group) {
            out.push(path);
        }
    }
    out
}

fn reachable(graph: &Graph, from: &str) -> BTreeSet<String> {
    let mut seen = BTreeSet::new();
    let mut stack = vec![from.to_string()];
    while let Some(n) = stack.pop() {
        for next in graph.get(&n).into_iter().flat_map(|m| m.keys()) {
            if seen.insert(next.clone()) {
                stack.push(next.clone());
            }
        }
    }
    seen
}

/// A shortest path `start -> ... -> start` inside `group`.
fn path_back(graph: &Graph, start: &str, group: &BTreeSet<String>) -> Option<Vec<String>> {
    let mut previous: BTreeMap<String, String> = BTreeMap::new();
    let mut queue = std::collections::VecDeque::from([start.to_string()]);
    while let Some(n) = queue.pop_front() {
        for next in graph.get(&n).into_iter().flat_map(|m| m.keys()) {
            if next == start {
                let mut path = vec![n.clone()];
                let mut at = n.clone();
                while at != start {
                    at = previous[&at].clone();
                    path.push(at.clone());
                }
                path.reverse();
                path.push(start.to_string());
                return Some(path);
            }
            if group.contains(next) && !previous.contains_key(next) {
                previous.insert(next.clone(), n.clone());
                queue.push_back(next.clone());
            }
        }
    }
    None
}

const CRATES: [&str; 4] = [
    "conductor-core",
    "conductor-ffi",
    "bindings/python",
    "examples/cli",
];

/// Cycles tolerated for now in the front ends, as (crate, parent module, the sorted
/// children in the cycle): their fix belongs to the work on those crates. The test
/// says when an entry no longer matches a cycle, so it can be removed; conductor-core
/// has no entry and must never get one.
const KNOWN_CYCLES: &[(&str, &str, &[&str])] = &[
    // The C ABI's panic guard and its error object use each other.
    ("conductor-ffi", "", &["boundary", "error"]),
    // The Python engine's options name the engine's settings type and vice versa.
    ("bindings/python", "", &["engine", "options"]),
];

#[test]
fn no_crate_has_an_import_cycle() {
    let cycles: Vec<Cycle> = CRATES
        .iter()
        .flat_map(|dir| Crate::read(dir).cycles())
        .collect();
    let known = |c: &Cycle| {
        KNOWN_CYCLES
            .iter()
            .any(|(k, p, n)| *k == c.krate && *p == c.parent && *n == c.nodes)
    };
    let new: Vec<&str> = cycles
        .iter()
        .filter(|c| !known(c))
        .map(|c| c.message.as_str())
        .collect();
    assert!(
        new.is_empty(),
        "import cycles (make one side stop naming the other: move the shared type down a \
         layer, or into the module that both use):\n{}",
        new.join("\n")
    );
    for (k, p, n) in KNOWN_CYCLES {
        if !cycles
            .iter()
            .any(|c| c.krate == *k && c.parent == *p && c.nodes == *n)
        {
            eprintln!("KNOWN_CYCLES: {k} `{p}` {n:?} is gone; remove the entry");
        }
    }
    assert!(
        KNOWN_CYCLES.iter().all(|(k, _, _)| *k != "conductor-core"),
        "conductor-core may not tolerate a cycle"
    );
}

#[test]
fn core_layers_import_downward_only() {
    let core = Crate::read("conductor-core");
    let graphs = core.graphs();
    let root = graphs.get(&Vec::new()).cloned().unwrap_or_default();
    let forbidden = [
        ("midi", "mapping"),
        ("midi", "config"),
        ("midi", "plugin"),
        ("midi", "engine"),
        ("plugin", "config"),
        ("plugin", "engine"),
        ("config", "engine"),
        ("mapping", "engine"),
    ];
    let broken: Vec<String> = forbidden
        .iter()
        .filter_map(|(from, to)| {
            let e = root.get(*from)?.get(*to)?;
            Some(format!(
                "`{from}` must not import `{to}`: {} names `{}`",
                e.file, e.named
            ))
        })
        .collect();
    assert!(
        broken.is_empty(),
        "upward imports in conductor-core (move the type to the lower layer):\n{}",
        broken.join("\n")
    );
}

#[test]
fn the_checker_sees_imports_through_groups_re_exports_and_super() {
    let core = Crate::read("conductor-core");
    let graphs = core.graphs();
    let root = &graphs[&Vec::new()];
    // engine names the plugin host; config names plugin capabilities; both are real.
    assert!(root["engine"].contains_key("plugin"));
    assert!(root["config"].contains_key("plugin"));
    // `crate::{Error, Result}` reaches `error` through the root's re-export.
    assert!(root["config"].contains_key("error"));
    // `super::probe::...` in plugin/load.rs, and `super::{CapabilitySet, ...}` in
    // plugin/host.rs, which reaches `capability` through plugin/mod.rs's re-export.
    let plugin = &graphs[&vec!["plugin".to_string()]];
    assert!(plugin["load"].contains_key("probe"));
    assert!(plugin["host"].contains_key("capability"));
    // A cycle made by hand is found and named.
    let mut graph = Graph::new();
    let evidence = Evidence {
        file: "a.rs".into(),
        named: "crate::b".into(),
    };
    graph
        .entry("a".into())
        .or_default()
        .insert("b".into(), evidence.clone());
    graph
        .entry("b".into())
        .or_default()
        .insert("a".into(), evidence);
    assert_eq!(cycles_in(&graph), vec![vec!["a", "b", "a"]]);
}
