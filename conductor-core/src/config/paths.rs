//! Resolving paths written in a config.

use std::path::{Component, Path, PathBuf};

/// Resolves `path` as written in a config: `~` and `~/...` expand to the home folder,
/// relative paths are joined to `base_dir`, and `.` / `..` components are removed
/// lexically (the file need not exist yet).
pub(crate) fn resolve(path: &Path, base_dir: &Path) -> PathBuf {
    let expanded = expand_home(path);
    let joined = if expanded.is_absolute() {
        expanded
    } else {
        base_dir.join(expanded)
    };
    normalize(&joined)
}

/// Whether `a` and `b` (both already resolved) name the same file: equal as written, or
/// equal once symlinks are followed (when both exist).
pub(crate) fn same_file(a: &Path, b: &Path) -> bool {
    if a == b {
        return true;
    }
    match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

/// Replaces a leading `~` component with the home folder; other paths are returned as is.
fn expand_home(path: &Path) -> PathBuf {
    let mut components = path.components();
    match components.next() {
        Some(Component::Normal(first)) if first == "~" => match dirs::home_dir() {
            Some(home) => home.join(components.as_path()),
            None => path.to_path_buf(),
        },
        _ => path.to_path_buf(),
    }
}

/// Removes `.` and resolves `..` against the preceding component, without touching the
/// file system. `..` at the root stays at the root.
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() && !out.has_root() {
                    out.push(component);
                }
            }
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths_join_the_base_and_lose_dot_segments() {
        let p = resolve(Path::new("./plugins/../x.wasm"), Path::new("/cfg/dir"));
        assert_eq!(p, PathBuf::from("/cfg/dir/x.wasm"));
    }

    #[test]
    fn absolute_paths_ignore_the_base() {
        let p = resolve(Path::new("/opt/x.wasm"), Path::new("/cfg"));
        assert_eq!(p, PathBuf::from("/opt/x.wasm"));
    }

    #[test]
    fn tilde_expands_to_home() {
        let home = dirs::home_dir().expect("test machine has a home folder");
        let p = resolve(Path::new("~/.conductor/p.wasm"), Path::new("/cfg"));
        assert_eq!(p, home.join(".conductor/p.wasm"));
    }
}
