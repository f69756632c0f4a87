//! Walks ingest inputs — single files, directories (recursively, in sorted order) and zip
//! archives in the osv.dev `all.zip` layout — and hands each document to a callback one at a
//! time, so memory holds one document, never the corpus.

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};

/// Why an input could not be read at all (a bad record inside a readable input is a
/// [`crate::record::Rejection`] instead).
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("cannot read {path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{path} is not a readable zip archive (truncated or corrupt?): {source}")]
    Zip {
        path: String,
        #[source]
        source: zip::result::ZipError,
    },
    #[error("{path}: entry {entry} is unreadable (truncated or corrupt archive?): {message}")]
    ZipEntry {
        path: String,
        entry: String,
        message: String,
    },
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> ReadError + '_ {
    move |source| ReadError::Io {
        path: path.display().to_string(),
        source,
    }
}

/// Whether a file name is a document the feed reads (inside directories and archives; a file
/// named on the command line is always read).
pub fn is_document(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    lower.ends_with(".json") || lower.ends_with(".yaml") || lower.ends_with(".yml")
}

fn is_zip(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("zip"))
}

/// The files of a directory tree that the feed reads, sorted so ingest order is reproducible.
fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), ReadError> {
    let mut entries = std::fs::read_dir(dir)
        .map_err(io(dir))?
        .map(|e| e.map(|e| e.path()))
        .collect::<Result<Vec<_>, _>>()
        .map_err(io(dir))?;
    entries.sort();
    for p in entries {
        if p.is_dir() {
            walk(&p, out)?;
        } else if is_zip(&p)
            || p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(is_document)
        {
            out.push(p);
        }
    }
    Ok(())
}

/// Expands inputs into the files to read (directories walked) and an estimate of the number
/// of documents, for progress bars.
pub fn expand(inputs: &[PathBuf]) -> Result<(Vec<PathBuf>, u64), ReadError> {
    let mut files = Vec::new();
    for input in inputs {
        let meta = std::fs::metadata(input).map_err(io(input))?;
        if meta.is_dir() {
            walk(input, &mut files)?;
        } else {
            files.push(input.clone());
        }
    }
    let mut total = 0u64;
    for f in &files {
        total += if is_zip(f) {
            zip_len(f).unwrap_or(0)
        } else {
            1
        };
    }
    Ok((files, total))
}

fn zip_len(path: &Path) -> Option<u64> {
    let f = File::open(path).ok()?;
    zip::ZipArchive::new(BufReader::new(f))
        .ok()
        .map(|z| z.len() as u64)
}

/// Calls `each(origin, bytes)` for every document of `path` (a file or a zip archive). The
/// callback's own errors stop the walk and are returned as `Err(Ok(e))`; read errors as
/// `Err(Err(e))`.
pub fn for_each_document<E>(
    path: &Path,
    mut each: impl FnMut(&str, &[u8]) -> Result<(), E>,
) -> Result<(), Result<E, ReadError>> {
    let display = path.display().to_string();
    if !is_zip(path) {
        let bytes = std::fs::read(path).map_err(|e| Err(io(path)(e)))?;
        return each(&display, &bytes).map_err(Ok);
    }
    let f = File::open(path).map_err(|e| Err(io(path)(e)))?;
    let mut archive = zip::ZipArchive::new(BufReader::new(f)).map_err(|source| {
        Err(ReadError::Zip {
            path: display.clone(),
            source,
        })
    })?;
    let mut buf = Vec::new();
    for i in 0..archive.len() {
        let mut entry = archive.by_index(i).map_err(|e| {
            Err(ReadError::ZipEntry {
                path: display.clone(),
                entry: format!("#{i}"),
                message: e.to_string(),
            })
        })?;
        let name = entry.name().map(|n| n.into_owned()).map_err(|e| {
            Err(ReadError::ZipEntry {
                path: display.clone(),
                entry: format!("#{i}"),
                message: e.to_string(),
            })
        })?;
        if entry.is_dir() || !is_document(&name) {
            continue;
        }
        buf.clear();
        // The archive's CRC-32 is checked at the end of the entry: a corrupt entry is a read
        // error here, not a half-parsed record.
        entry.read_to_end(&mut buf).map_err(|e| {
            Err(ReadError::ZipEntry {
                path: display.clone(),
                entry: name.clone(),
                message: e.to_string(),
            })
        })?;
        drop(entry);
        each(&format!("{display}!{name}"), &buf).map_err(Ok)?;
    }
    Ok(())
}
