//! The `conductor-plugin` SDK's source (`bindings/rust-plugin`), built into this
//! library so that `conductor plugin new` can write it into the new crate: the crate
//! then builds on machines that have only the installed tool, not this repository.

/// The folder, inside a new plugin crate, that holds the SDK's copy.
pub(super) const DIR: &str = "conductor-plugin";

/// Every file of the SDK crate, as `(path inside the crate, contents)`: its
/// `Cargo.toml`, `README.md` and every file of `src/`, listed by `build.rs`.
pub(super) const FILES: &[(&str, &str)] = include!(concat!(env!("OUT_DIR"), "/sdk_files.rs"));

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::FILES;

    /// Every file of the SDK is vendored, with its current contents, or scaffolded crates
    /// would not build.
    #[test]
    fn every_file_of_the_sdk_is_vendored() {
        let sdk = Path::new(env!("CARGO_MANIFEST_DIR")).join("../bindings/rust-plugin");
        let mut on_disk = vec!["Cargo.toml".to_string(), "README.md".to_string()];
        for entry in std::fs::read_dir(sdk.join("src")).unwrap() {
            let name = entry.unwrap().file_name().into_string().unwrap();
            on_disk.push(format!("src/{name}"));
        }
        on_disk.sort();
        let mut vendored: Vec<String> = FILES.iter().map(|(p, _)| p.to_string()).collect();
        vendored.sort();
        assert_eq!(vendored, on_disk);
        for (path, text) in FILES {
            assert_eq!(
                *text,
                std::fs::read_to_string(sdk.join(path)).unwrap(),
                "{path}"
            );
        }
    }
}
