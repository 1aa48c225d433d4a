//! A small raw-deflate encoder (RFC 1951) for the share links' scripts (`doc::encode_script`).
//!
//! #14: flate2's encoder (miniz_oxide's compressor) was 9.1 KiB of the gzipped wasm. This one is
//! greedy LZ77 over a 32 KiB window (3-byte hash chains, a bounded walk) coded with the fixed
//! Huffman codes in one final block: a few hundred bytes of code, deterministic, output a few
//! per cent to a fifth longer than `Compression::best()` on scripts. Any inflater reads it; links
//! made by the old encoder are read as before (the decoder is unchanged).

/// Bytes back a match may reach (deflate's window).
const WINDOW: usize = 32 * 1024;
/// The shortest and longest match deflate codes.
const MIN_MATCH: usize = 3;
const MAX_MATCH: usize = 258;
/// Earlier positions tried per match (a bound on the time of a long, repetitive script).
const MAX_CHAIN: usize = 128;
const HASH_BITS: u32 = 13;
/// "No earlier position" in the hash chains.
const NONE: u32 = u32::MAX;

/// Length codes 257.. : base length and extra bits.
const LEN_BASE: [u16; 29] =
    [3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258];
const LEN_EXTRA: [u8; 29] = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0];
/// Distance codes: base distance and extra bits.
const DIST_BASE: [u16; 30] = [
    1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145,
    8193, 12289, 16385, 24577,
];
const DIST_EXTRA: [u8; 30] =
    [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13];

/// Bits out, least significant first (deflate's bit order).
struct Bits {
    out: Vec<u8>,
    acc: u32,
    n: u32,
}

impl Bits {
    /// `n` (≤ 16) bits of `v`, low bit first.
    fn put(&mut self, v: u32, n: u32) {
        self.acc |= v << self.n;
        self.n += n;
        while self.n >= 8 {
            self.out.push(self.acc as u8);
            self.acc >>= 8;
            self.n -= 8;
        }
    }

    /// A Huffman code of `n` bits: sent most significant bit first.
    fn code(&mut self, code: u32, n: u32) {
        self.put(code.reverse_bits() >> (32 - n), n);
    }

    /// A literal/length symbol (0..=285) in the fixed code.
    fn symbol(&mut self, s: u32) {
        match s {
            0..=143 => self.code(0x30 + s, 8),
            144..=255 => self.code(0x190 + s - 144, 9),
            256..=279 => self.code(s - 256, 7),
            _ => self.code(0xc0 + s - 280, 8),
        }
    }

    /// A match of `len` bytes `dist` back.
    fn matched(&mut self, len: usize, dist: usize) {
        let l = LEN_BASE.iter().rposition(|&b| usize::from(b) <= len).expect("len >= 3");
        self.symbol(257 + l as u32);
        self.put((len - usize::from(LEN_BASE[l])) as u32, u32::from(LEN_EXTRA[l]));
        let d = DIST_BASE.iter().rposition(|&b| usize::from(b) <= dist).expect("dist >= 1");
        self.code(d as u32, 5);
        self.put((dist - usize::from(DIST_BASE[d])) as u32, u32::from(DIST_EXTRA[d]));
    }
}

fn hash(b: &[u8]) -> usize {
    let v = u32::from(b[0]) | u32::from(b[1]) << 8 | u32::from(b[2]) << 16;
    (v.wrapping_mul(0x9e37_79b1) >> (32 - HASH_BITS)) as usize
}

/// `data` as one final fixed-Huffman deflate block.
pub fn deflate(data: &[u8]) -> Vec<u8> {
    let mut bits = Bits { out: Vec::with_capacity(data.len() / 2 + 8), acc: 0, n: 0 };
    bits.put(1, 1); // BFINAL
    bits.put(1, 2); // BTYPE = 01, fixed Huffman codes
    let mut head = vec![NONE; 1 << HASH_BITS];
    let mut prev = vec![NONE; data.len()];
    // Position `at` into its hash chain.
    let insert = |at: usize, head: &mut [u32], prev: &mut [u32]| {
        if at + MIN_MATCH <= data.len() {
            let h = hash(&data[at..]);
            prev[at] = head[h];
            head[h] = at as u32;
        }
    };
    let mut i = 0;
    while i < data.len() {
        let (mut best_len, mut best_dist) = (0, 0);
        if i + MIN_MATCH <= data.len() {
            let max = (data.len() - i).min(MAX_MATCH);
            let mut cand = head[hash(&data[i..])];
            let mut chain = 0;
            while cand != NONE && i - cand as usize <= WINDOW && chain < MAX_CHAIN {
                let c = cand as usize;
                let len = data[c..].iter().zip(&data[i..i + max]).take_while(|(a, b)| a == b).count();
                if len > best_len {
                    (best_len, best_dist) = (len, i - c);
                    if len == max {
                        break;
                    }
                }
                cand = prev[c];
                chain += 1;
            }
        }
        if best_len >= MIN_MATCH {
            bits.matched(best_len, best_dist);
            for at in i..i + best_len {
                insert(at, &mut head, &mut prev);
            }
            i += best_len;
        } else {
            bits.symbol(u32::from(data[i]));
            insert(i, &mut head, &mut prev);
            i += 1;
        }
    }
    bits.symbol(256);
    bits.put(0, 7); // flush the last byte
    bits.out
}

#[cfg(test)]
mod tests {
    use std::io::Read;

    fn inflate(bytes: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        flate2::read::DeflateDecoder::new(bytes).read_to_end(&mut out).unwrap();
        out
    }

    #[test]
    fn inflates_back() {
        let mut texts: Vec<Vec<u8>> = vec![
            b"".to_vec(),
            b"a".to_vec(),
            b"aa".to_vec(),
            b"aaaa".to_vec(),
            "kmalloc 64 as=x\nrepeat 3 { pages alloc order=0 as=p[] }\n# ✓ comment\n".into(),
            vec![b'z'; 100_000],
        ];
        // Every length and distance code, bytes of every value, matches across the window's edge.
        let mut x = 12345u32;
        let noise: Vec<u8> = (0..70_000)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 17;
                x ^= x << 5;
                (x % 7) as u8 * 37
            })
            .collect();
        texts.push(noise.clone());
        texts.push(noise.iter().map(|&b| b.wrapping_mul(3)).chain(noise.iter().copied()).collect());
        let script: String =
            (0..2000).map(|i| format!("kmalloc {} as=p{}\nkfree p{}\n", 8 << (i % 9), i, i / 2)).collect();
        texts.push(script.into_bytes());
        texts.push((0..=255u8).cycle().take(5000).collect());
        for t in &texts {
            let d = super::deflate(t);
            assert_eq!(inflate(&d), *t, "{} bytes", t.len());
            assert_eq!(super::deflate(t), d, "deterministic");
        }
    }
}
