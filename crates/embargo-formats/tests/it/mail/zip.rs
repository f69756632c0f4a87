//! A zip bomb for the attachment test, written here so that the test needs no dependency.

/// A real zip archive (APPNOTE 6.3.10 §4.3) whose one member, `zeros.bin`, inflates to `size`
/// zero bytes (`size` = 1 + 258·k): a fixed-Huffman deflate stream (RFC 1951 §3.2.6) of one
/// literal zero and k length-258, distance-1 copies, 13 bits per 258 bytes.
pub fn zip_of_zeros(size: usize) -> Vec<u8> {
    assert_eq!((size - 1) % 258, 0);
    let mut bits = Bits::default();
    bits.put(1, 1); // BFINAL
    bits.put(1, 2); // BTYPE 01: fixed Huffman codes
    bits.code(0x30, 8); // literal 0
    for _ in 0..(size - 1) / 258 {
        bits.code(0xC5, 8); // length code 285: 258
        bits.code(0, 5); // distance code 0: 1
    }
    bits.code(0, 7); // end of block (256)
    let deflated = bits.finish();

    let crc = crc32_of_zeros(size);
    let name = b"zeros.bin";
    let mut entry = Vec::new();
    entry.extend(20u16.to_le_bytes()); // version needed
    entry.extend(0u16.to_le_bytes()); // flags
    entry.extend(8u16.to_le_bytes()); // deflate
    entry.extend(0u16.to_le_bytes()); // time
    entry.extend(0x21u16.to_le_bytes()); // date: 1980-01-01
    entry.extend(crc.to_le_bytes());
    entry.extend((deflated.len() as u32).to_le_bytes());
    entry.extend((size as u32).to_le_bytes());
    entry.extend((name.len() as u16).to_le_bytes());
    entry.extend(0u16.to_le_bytes()); // extra length

    let mut zip = Vec::new();
    zip.extend(0x0403_4b50u32.to_le_bytes());
    zip.extend(&entry);
    zip.extend(name);
    zip.extend(&deflated);
    let central_at = zip.len();
    zip.extend(0x0201_4b50u32.to_le_bytes());
    zip.extend(20u16.to_le_bytes()); // version made by
    zip.extend(&entry);
    zip.extend([0u8; 10]); // comment length, disk, internal (2) and external (4) attributes
    zip.extend(0u32.to_le_bytes()); // local header offset
    zip.extend(name);
    let central_len = zip.len() - central_at;
    zip.extend(0x0605_4b50u32.to_le_bytes());
    zip.extend([0u8; 4]); // disk numbers
    zip.extend(1u16.to_le_bytes());
    zip.extend(1u16.to_le_bytes());
    zip.extend((central_len as u32).to_le_bytes());
    zip.extend((central_at as u32).to_le_bytes());
    zip.extend(0u16.to_le_bytes()); // comment length
    zip
}

#[derive(Default)]
struct Bits {
    out: Vec<u8>,
    acc: u64,
    count: u32,
}

impl Bits {
    /// Deflate packs data elements least significant bit first (RFC 1951 §3.1.1).
    fn put(&mut self, value: u32, count: u32) {
        self.acc |= u64::from(value) << self.count;
        self.count += count;
        while self.count >= 8 {
            self.out.push(self.acc as u8);
            self.acc >>= 8;
            self.count -= 8;
        }
    }

    /// Huffman codes are packed most significant bit first.
    fn code(&mut self, code: u32, len: u32) {
        let reversed = (0..len).fold(0, |r, i| r | (((code >> i) & 1) << (len - 1 - i)));
        self.put(reversed, len);
    }

    fn finish(mut self) -> Vec<u8> {
        if self.count > 0 {
            self.out.push(self.acc as u8);
        }
        self.out
    }
}

/// CRC-32 (ISO-HDLC) of `len` zero bytes, table-driven.
fn crc32_of_zeros(len: usize) -> u32 {
    let table: Vec<u32> = (0..256u32)
        .map(|i| {
            (0..8).fold(i, |c, _| {
                if c & 1 == 1 {
                    (c >> 1) ^ 0xEDB8_8320
                } else {
                    c >> 1
                }
            })
        })
        .collect();
    !(0..len).fold(!0u32, |crc, _| table[(crc & 0xFF) as usize] ^ (crc >> 8))
}

pub fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for (i, chunk) in bytes.chunks(3).enumerate() {
        if i > 0 && i % 19 == 0 {
            out.push('\n'); // 76 characters a line (RFC 2045 §6.8)
        }
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (j, &b)| n | u32::from(b) << (16 - 8 * j));
        for j in 0..4 {
            if j <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * j) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}
