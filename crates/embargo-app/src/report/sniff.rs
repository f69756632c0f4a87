//! Content sniffing for attachments: the stored type comes from the bytes, not from what the
//! uploader claimed, and attachments are always served as downloads with that type.

/// The media type the bytes look like.
pub fn sniff(data: &[u8]) -> &'static str {
    const SIGNATURES: &[(&[u8], &str)] = &[
        (b"\x89PNG\r\n\x1a\n", "image/png"),
        (b"\xff\xd8\xff", "image/jpeg"),
        (b"GIF87a", "image/gif"),
        (b"GIF89a", "image/gif"),
        (b"%PDF-", "application/pdf"),
        (b"PK\x03\x04", "application/zip"),
        (b"\x1f\x8b", "application/gzip"),
        (b"\x28\xb5\x2f\xfd", "application/zstd"),
        (b"-----BEGIN PGP", "application/pgp-encrypted"),
        (b"\x7fELF", "application/x-executable"),
        (b"MZ", "application/x-msdownload"),
    ];
    for (magic, kind) in SIGNATURES {
        if data.starts_with(magic) {
            return kind;
        }
    }
    if data.len() >= 12 && &data[4..8] == b"ftyp" {
        return "video/mp4";
    }
    let head = &data[..data.len().min(4096)];
    match std::str::from_utf8(head) {
        // A cut in the middle of a multi-byte character at the 4 KiB boundary is still text.
        Ok(s) if !s.contains('\0') => "text/plain",
        Err(e) if e.valid_up_to() + 4 >= head.len() && !head.contains(&0) => "text/plain",
        _ => "application/octet-stream",
    }
}

/// A file name safe to show and to put in `Content-Disposition`: no path, no control or
/// quoting characters, at most 120 characters.
pub fn clean_filename(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or("");
    let cleaned: String = base
        .chars()
        .filter(|c| !c.is_control() && !matches!(c, '"' | '\\' | ';'))
        .take(120)
        .collect();
    let trimmed = cleaned.trim().trim_start_matches('.');
    if trimmed.is_empty() {
        "attachment".to_owned()
    } else {
        trimmed.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_come_from_the_bytes() {
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\nrest"), "image/png");
        assert_eq!(sniff(b"PK\x03\x04...."), "application/zip");
        assert_eq!(sniff(b"<script>alert(1)</script>"), "text/plain");
        assert_eq!(sniff(b"\x00\x01\x02"), "application/octet-stream");
        assert_eq!(sniff(b"MZ\x90\x00"), "application/x-msdownload");
    }

    #[test]
    fn filenames_lose_paths_and_quotes() {
        assert_eq!(clean_filename("../../etc/passwd"), "passwd");
        assert_eq!(clean_filename("C:\\x\\poc \"1\".py"), "poc 1.py");
        assert_eq!(clean_filename("..."), "attachment");
        assert_eq!(clean_filename("a\r\nb.txt"), "ab.txt");
    }
}
