//! Engagement read from image requests: whether a fetch is a person or a mail privacy
//! proxy, and the id that makes repeated fetches of one reading a single event. The HTTP
//! routes (`/i/{image}`, `/nifty/data/{source}`) call these; the rules live here.

/// Whether a User-Agent is a mail privacy proxy or prefetcher rather than a person's mail
/// client: such a fetch says the message was delivered (or cached), not that anyone looked.
/// Only User-Agents are used; IP ranges change and are not ours to guess.
pub fn is_prefetch(agent: &str) -> bool {
    // Gmail's image proxy ("… (via ggpht.com GoogleImageProxy)"), Yahoo and AOL's proxy.
    const PROXIES: [&str; 3] = ["GoogleImageProxy", "ggpht.com", "YahooMailProxy"];
    // Microsoft's link and image preview scanner (Outlook.com, Defender). Outlook's own
    // clients load images from the reader's device and are real opens.
    const SCANNERS: [&str; 1] = ["BingPreview"];
    // Apple Mail Privacy Protection fetches with a bare "Mozilla/5.0" and nothing else.
    const APPLE_MPP: &str = "Mozilla/5.0";
    // Gmail's prefetch for signed-in sessions, a fixed, dated Edge-on-Windows string that
    // ends in a second "Mozilla/5.0".
    const GMAIL_PREFETCH: &str = "Chrome/42.0.2311.135 Safari/537.36 Edge/12.246 Mozilla/5.0";
    let agent = agent.trim();
    agent == APPLE_MPP
        || agent.ends_with(GMAIL_PREFETCH)
        || PROXIES
            .iter()
            .chain(SCANNERS.iter())
            .any(|marker| agent.contains(marker))
}

/// The id of an engagement: the same `kind` of `subject` (image or data source) by the same
/// contact within the same UTC minute is one event. Mail clients and proxies fetch an image
/// several times for one reading (retries, resized copies, a second device), and each fetch
/// must not become its own follow-up; the inbox drops the repeats by id. `marker` keeps a
/// prefetch from swallowing a real open in the same minute. The contact is hashed: emails do
/// not belong in ids, and the hash keeps the id short whatever the address.
pub fn event_id(kind: &str, subject: &str, contact: &str, marker: &str, minute: i64) -> String {
    let digest = ring::digest::digest(&ring::digest::SHA256, contact.as_bytes());
    let hash: String = digest.as_ref()[..12]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let subject: String = subject.chars().take(80).collect();
    format!("{kind}:{subject}:{hash}:{marker}:{minute}")
}

/// The bucket [`event_id`] counts in: minutes since the epoch, UTC.
pub fn this_minute() -> i64 {
    chrono::Utc::now().timestamp() / 60
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_bucket_by_minute_and_hide_the_contact() {
        let a = event_id("open", "spring", "ann@example.com", "o", 7);
        assert_eq!(a, event_id("open", "spring", "ann@example.com", "o", 7));
        assert_ne!(a, event_id("open", "spring", "ann@example.com", "o", 8));
        assert_ne!(a, event_id("open", "spring", "bob@example.com", "o", 7));
        assert_ne!(a, event_id("open", "spring", "ann@example.com", "p", 7));
        assert!(!a.contains("ann"), "{a}");
        assert!(a.len() < 200);
    }

    #[test]
    fn proxies_and_prefetchers_are_told_from_mail_clients() {
        for proxy in [
            "Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0 (via ggpht.com GoogleImageProxy)",
            "YahooMailProxy; https://help.yahoo.com/kb/yahoo-mail-proxy-SLN28749.html",
            "Mozilla/5.0",
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/42.0.2311.135 Safari/537.36 Edge/12.246 Mozilla/5.0",
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) BingPreview/1.0b",
        ] {
            assert!(is_prefetch(proxy), "{proxy}");
        }
        for client in [
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148",
            "Microsoft Office/16.0 (Windows NT 10.0; Microsoft Outlook 16.0.17328; Pro)",
        ] {
            assert!(!is_prefetch(client), "{client}");
        }
    }
}
