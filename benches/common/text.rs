//! Text for the search benchmark: words drawn from a vocabulary with a Zipf-like spread (a few
//! words everywhere, most words rare), deterministic for a given seed, and a known phrase in a
//! known share of rows, so that "common", "rare" and "phrase" queries have known sizes.

/// Syllables of the made-up vocabulary (pronounceable, accent-free).
const SYLLABLES: [&str; 24] = [
    "ka", "lo", "ri", "ten", "mu", "sa", "vel", "or", "ne", "qui", "dar", "po", "le", "fin", "ta",
    "gro", "bi", "um", "sel", "ca", "ro", "de", "mi", "zan",
];

/// Words in the vocabulary.
pub const VOCABULARY: u64 = 20_000;

/// The word of rank `r` (1 = the most frequent).
pub fn word(r: u64) -> String {
    let mut n = r;
    let mut w = String::new();
    loop {
        w.push_str(SYLLABLES[(n % 24) as usize]);
        n /= 24;
        if n == 0 {
            break;
        }
    }
    w
}

/// A small deterministic generator (SplitMix64).
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0xD1B5_4A32_D192_ED03)
    }

    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A rank with density about 1/r over 1..=VOCABULARY (log-uniform).
    pub fn rank(&mut self) -> u64 {
        let u = (self.next() >> 11) as f64 / (1u64 << 53) as f64;
        ((VOCABULARY as f64).powf(u) as u64).clamp(1, VOCABULARY)
    }
}

/// `n` words for row `seed`; every `phrase_every`-th row carries "open data".
pub fn sentence(seed: u64, n: usize, phrase_every: u64) -> String {
    let mut rng = Rng::new(seed);
    let mut words: Vec<String> = (0..n).map(|_| word(rng.rank())).collect();
    if phrase_every > 0 && seed % phrase_every == 0 {
        let at = (rng.next() % n as u64) as usize;
        words.insert(at, "open data".into());
    }
    words.join(" ")
}

/// The words the benchmark searches for: one in a few percent of rows, one in a few hundred
/// rows, and the phrase.
pub fn queries() -> [(&'static str, String); 3] {
    [
        ("common word", word(40)),
        ("rare word", word(15_000)),
        ("phrase", "\"open data\"".into()),
    ]
}
