//! Ids and secrets shaped like GHL's.

use parking_lot::Mutex;
use rand::distr::{Alphanumeric, SampleString};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// The sandbox's random source. Seeded, it makes every id and token of a run repeatable.
#[derive(Debug)]
pub struct IdGenerator {
    rng: Mutex<StdRng>,
}

impl IdGenerator {
    pub fn new(seed: Option<u64>) -> Self {
        let rng = match seed {
            Some(seed) => StdRng::seed_from_u64(seed),
            None => StdRng::from_rng(&mut rand::rng()),
        };
        Self {
            rng: Mutex::new(rng),
        }
    }

    /// A 20-character alphanumeric id, like GHL's Firebase-style contact, task and note ids.
    pub fn record_id(&self) -> String {
        Alphanumeric.sample_string(&mut *self.rng.lock(), 20)
    }

    /// A 24-character hexadecimal id, like GHL's business ids.
    pub fn business_id(&self) -> String {
        let mut rng = self.rng.lock();
        (0..24)
            .map(|_| char::from_digit(rng.random_range(0..16), 16).expect("digit below 16"))
            .collect()
    }

    /// A random secret of `len` alphanumeric characters with a readable prefix.
    pub fn secret(&self, prefix: &str, len: usize) -> String {
        format!(
            "{prefix}{}",
            Alphanumeric.sample_string(&mut *self.rng.lock(), len)
        )
    }

    /// A random UUID-shaped string (v4 layout), as GHL uses for webhook ids and PITs.
    pub fn uuid(&self) -> String {
        let mut bytes = [0u8; 16];
        self.rng.lock().fill(&mut bytes);
        format_uuid(bytes)
    }

    /// A number in `0.0..1.0`, for fault injection.
    pub fn unit(&self) -> f64 {
        self.rng.lock().random::<f64>()
    }

    pub fn below(&self, n: u64) -> u64 {
        self.rng.lock().random_range(0..n.max(1))
    }
}

/// Formats 16 random bytes as a version-4 UUID.
pub fn format_uuid(mut bytes: [u8; 16]) -> String {
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes_match_ghl_and_seed_repeats() {
        let ids = IdGenerator::new(Some(7));
        let id = ids.record_id();
        assert_eq!(id.len(), 20);
        assert!(id.bytes().all(|b| b.is_ascii_alphanumeric()));
        let business = ids.business_id();
        assert_eq!(business.len(), 24);
        assert!(business.bytes().all(|b| b.is_ascii_hexdigit()));
        assert_eq!(ids.uuid().len(), 36);
        assert_eq!(IdGenerator::new(Some(7)).record_id(), id);
    }
}
