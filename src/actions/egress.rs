//! The egress policy of the HTTP actions (SSRF): only `http` and `https`
//! URLs, and no connection to an address inside a denied range
//! (`http_denied_cidrs`: loopback, link-local with the cloud metadata
//! service, unspecified) unless its host is named in `http_allowed_hosts`.
//! Every address is checked where it is used: literal hosts before the
//! request and on each redirect, resolved names in the client's resolver,
//! so the checked address is the one connected to.

use std::net::IpAddr;

/// Mistral's `[action_std_http] denied_cidrs`, plus the unspecified
/// addresses (a connection to `0.0.0.0` reaches the local host).
pub const DEFAULT_DENIED_CIDRS: &str =
    "127.0.0.0/8,::1/128,169.254.0.0/16,fe80::/10,0.0.0.0/32,::/128";

/// One CIDR range.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Net {
    addr: IpAddr,
    prefix: u8,
    text: String,
}

impl Net {
    fn parse(text: &str) -> Result<Self, String> {
        let (a, p) = match text.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (text, None),
        };
        let addr: IpAddr = a
            .parse()
            .map_err(|_| format!("'{text}' is not an address range"))?;
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = match p {
            Some(p) => p
                .parse::<u8>()
                .ok()
                .filter(|p| *p <= max)
                .ok_or_else(|| format!("'{text}' has a bad prefix length"))?,
            None => max,
        };
        Ok(Self {
            addr,
            prefix,
            text: text.to_string(),
        })
    }

    fn contains(&self, ip: IpAddr) -> bool {
        match (self.addr, ip) {
            (IpAddr::V4(n), IpAddr::V4(a)) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(self.prefix))
                    .unwrap_or(0);
                u32::from(n) & mask == u32::from(a) & mask
            }
            (IpAddr::V6(n), IpAddr::V6(a)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.prefix))
                    .unwrap_or(0);
                u128::from(n) & mask == u128::from(a) & mask
            }
            _ => false,
        }
    }
}

/// The policy: denied ranges and the hosts exempt from them.
#[derive(Clone, Debug)]
pub struct Egress {
    denied: Vec<Net>,
    allowed_hosts: Vec<String>,
}

impl Default for Egress {
    fn default() -> Self {
        Self::new(DEFAULT_DENIED_CIDRS, "").unwrap_or(Self {
            denied: Vec::new(),
            allowed_hosts: Vec::new(),
        })
    }
}

/// The lower-case host of a URL without IPv6 brackets.
fn bare(host: &str) -> String {
    host.trim_start_matches('[')
        .trim_end_matches(']')
        .to_ascii_lowercase()
}

impl Egress {
    /// A policy from comma-separated CIDR ranges and host names.
    pub fn new(denied_cidrs: &str, allowed_hosts: &str) -> Result<Self, String> {
        let denied = split(denied_cidrs)
            .map(Net::parse)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| format!("http_denied_cidrs: {e}"))?;
        Ok(Self {
            denied,
            allowed_hosts: split(allowed_hosts).map(bare).collect(),
        })
    }

    /// True when `host` is exempt from the denied ranges.
    pub fn host_allowed(&self, host: &str) -> bool {
        let h = bare(host);
        self.allowed_hosts.contains(&h)
    }

    /// Checks one address `host` resolved to (or is).
    pub fn check_addr(&self, host: &str, ip: IpAddr) -> Result<(), String> {
        if self.host_allowed(host) {
            return Ok(());
        }
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
            v4 => v4,
        };
        match self.denied.iter().find(|n| n.contains(ip)) {
            Some(n) => Err(format!(
                "URL host '{}' resolves to a denied address {ip} ({} in http_denied_cidrs) [egress policy]",
                bare(host),
                n.text
            )),
            None => Ok(()),
        }
    }

    /// Checks a URL's scheme and host, and the host itself when it is an
    /// address. A name is checked when it is resolved ([`Self::check_addr`]).
    pub fn check_url(&self, url: &reqwest::Url) -> Result<(), String> {
        if !matches!(url.scheme(), "http" | "https") {
            return Err(format!(
                "URL scheme '{}' is not allowed (only http and https are) [egress policy]",
                url.scheme()
            ));
        }
        match url.host_str().map(bare) {
            None => Err("URL does not contain a host [egress policy]".into()),
            Some(h) => match h.parse::<IpAddr>() {
                Ok(ip) => self.check_addr(&h, ip),
                Err(_) => Ok(()),
            },
        }
    }

    /// Checks a URL text completely, resolving a name with `resolve`.
    pub fn check_url_resolved(
        &self,
        text: &str,
        resolve: impl Fn(&str) -> Vec<IpAddr>,
    ) -> Result<(), String> {
        let url = reqwest::Url::parse(text).map_err(|e| format!("Invalid URL '{text}': {e}"))?;
        self.check_url(&url)?;
        if let Some(name) = url.host_str().map(bare)
            && name.parse::<IpAddr>().is_err()
        {
            for ip in resolve(&name) {
                self.check_addr(&name, ip)?;
            }
        }
        Ok(())
    }
}

impl Egress {
    /// Mistral's `validate_url` before the name is resolved, in its words:
    /// the scheme (as `urllib.parse.urlsplit` reads it) must be `http` or
    /// `https` and there must be a host. Returns the host and the port.
    pub fn mistral_url(&self, url: &str) -> Result<(String, Option<u16>), String> {
        let (scheme, host, port) = py_urlsplit(url);
        if scheme != "http" && scheme != "https" {
            return Err(format!(
                "URL scheme '{scheme}' is not allowed (only http and https are)."
            ));
        }
        match host {
            Some(h) => Ok((h, port)),
            None => Err("URL does not contain a host.".into()),
        }
    }

    /// Mistral's check of one address the host resolved to, in its words.
    pub fn mistral_addr(&self, host: &str, ip: IpAddr) -> Result<(), String> {
        if self.host_allowed(host) {
            return Ok(());
        }
        let mapped = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
            v4 => v4,
        };
        if self.denied.iter().any(|n| n.contains(mapped)) {
            return Err(format!(
                "URL host '{host}' resolves to a blocked address ({ip})."
            ));
        }
        Ok(())
    }
}

/// Scheme, host name and port of a URL as Python's
/// `urllib.parse.urlsplit` reads them (`scheme`, `hostname`, `port`): the
/// scheme lowercased and empty when there is none, the host lowercased
/// without brackets or user info, `None` when empty.
pub fn py_urlsplit(url: &str) -> (String, Option<String>, Option<u16>) {
    let url: String = url
        .trim_start_matches(|c: char| c <= ' ')
        .chars()
        .filter(|c| !matches!(c, '\t' | '\r' | '\n'))
        .collect();
    let mut rest = url.as_str();
    let mut scheme = String::new();
    if let Some(i) = rest.find(':')
        && i > 0
        && rest.as_bytes()[0].is_ascii_alphabetic()
        && rest[..i]
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'+' | b'-' | b'.'))
    {
        scheme = rest[..i].to_ascii_lowercase();
        rest = &rest[i + 1..];
    }
    let Some(after) = rest.strip_prefix("//") else {
        return (scheme, None, None);
    };
    let netloc = &after[..after.find(['/', '?', '#']).unwrap_or(after.len())];
    let hostport = netloc.rsplit_once('@').map_or(netloc, |(_, h)| h);
    let (host, port) = match hostport.strip_prefix('[') {
        Some(v6) => {
            let (h, tail) = v6.split_once(']').unwrap_or((v6, ""));
            (h, tail.strip_prefix(':'))
        }
        None => match hostport.split_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (hostport, None),
        },
    };
    let host = (!host.is_empty()).then(|| host.to_ascii_lowercase());
    (scheme, host, port.and_then(|p| p.parse().ok()))
}

fn split(list: &str) -> impl Iterator<Item = &str> {
    list.split(',').map(str::trim).filter(|s| !s.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_split_as_python_does() {
        let check = |url: &str, scheme: &str, host: Option<&str>, port: Option<u16>| {
            assert_eq!(
                py_urlsplit(url),
                (scheme.to_string(), host.map(str::to_string), port),
                "{url}"
            );
        };
        check(
            "http://u:p@Example.ORG:81/x?y#z",
            "http",
            Some("example.org"),
            Some(81),
        );
        check("HTTPS://[::1]:8080/", "https", Some("::1"), Some(8080));
        check("not a url", "", None, None);
        check("http:///nohost", "http", None, None);
        check("ftp://h/x", "ftp", Some("h"), None);
        check("  http://h", "http", Some("h"), None);
    }

    #[test]
    fn mistral_words_refusals() {
        let p = Egress::default();
        assert_eq!(
            p.mistral_url("ftp://h/").unwrap_err(),
            "URL scheme 'ftp' is not allowed (only http and https are)."
        );
        assert_eq!(
            p.mistral_url("http:///x").unwrap_err(),
            "URL does not contain a host."
        );
        assert_eq!(
            p.mistral_addr("localhost", "127.0.0.1".parse().unwrap())
                .unwrap_err(),
            "URL host 'localhost' resolves to a blocked address (127.0.0.1)."
        );
        assert!(p.mistral_addr("h", "192.0.2.2".parse().unwrap()).is_ok());
    }

    fn stub(name: &str) -> Vec<IpAddr> {
        match name {
            "localhost" => vec!["127.0.0.1".parse().unwrap(), "::1".parse().unwrap()],
            "metadata.internal" => vec!["169.254.169.254".parse().unwrap()],
            "example.org" => vec!["93.184.215.14".parse().unwrap()],
            _ => Vec::new(),
        }
    }

    fn check(p: &Egress, url: &str) -> Result<(), String> {
        p.check_url_resolved(url, stub)
    }

    #[test]
    fn default_policy_denies_local_and_metadata_addresses() {
        let p = Egress::default();
        for url in [
            "http://127.0.0.1/",
            "http://127.1.2.3:8080/x",
            "http://[::1]/",
            "http://0.0.0.0/",
            "http://[::]/",
            "http://169.254.169.254/latest/meta-data/",
            "http://2130706433/",
            "http://0x7f000001/",
            "http://[::ffff:127.0.0.1]/",
            "http://[fe80::1]/",
            "http://localhost:9/",
            "http://LOCALHOST/",
            "http://metadata.internal/",
        ] {
            let err = check(&p, url).expect_err(url);
            assert!(err.contains("http_denied_cidrs"), "{url}: {err}");
        }
    }

    #[test]
    fn default_policy_names_the_range() {
        let err = check(&Egress::default(), "http://169.254.169.254/").unwrap_err();
        assert!(err.contains("169.254.0.0/16"), "{err}");
        assert!(err.contains("169.254.169.254"), "{err}");
    }

    #[test]
    fn private_and_public_addresses_pass_by_default() {
        let p = Egress::default();
        assert_eq!(check(&p, "http://10.0.0.1/"), Ok(()));
        assert_eq!(check(&p, "https://192.168.1.1/"), Ok(()));
        assert_eq!(check(&p, "https://example.org/"), Ok(()));
    }

    #[test]
    fn private_ranges_can_be_denied() {
        let p = Egress::new("10.0.0.0/8", "").unwrap();
        let err = check(&p, "http://10.0.0.1/").unwrap_err();
        assert!(err.contains("10.0.0.0/8"), "{err}");
        assert_eq!(check(&p, "http://127.0.0.1/"), Ok(()));
    }

    #[test]
    fn only_http_and_https_schemes() {
        let p = Egress::default();
        for url in [
            "file:///etc/passwd",
            "gopher://example.org/",
            "ftp://example.org/",
        ] {
            let err = check(&p, url).expect_err(url);
            assert!(err.contains("scheme"), "{url}: {err}");
        }
    }

    #[test]
    fn allowed_hosts_are_exempt_by_name_only() {
        let p = Egress::new(DEFAULT_DENIED_CIDRS, "127.0.0.1, ::1").unwrap();
        assert_eq!(check(&p, "http://127.0.0.1:8080/"), Ok(()));
        assert_eq!(check(&p, "http://[::1]/"), Ok(()));
        // Another name for the same address is still denied.
        assert!(check(&p, "http://localhost/").is_err());
        assert!(check(&p, "http://2130706434/").is_err());
    }

    #[test]
    fn bad_ranges_are_reported() {
        assert!(Egress::new("10.0.0.0/33", "").is_err());
        assert!(Egress::new("nonsense", "").is_err());
        assert!(Egress::new("", "").is_ok());
    }

    #[test]
    fn unparsable_urls_are_errors() {
        assert!(check(&Egress::default(), "not a url").is_err());
    }
}
