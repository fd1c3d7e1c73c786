//! Which addresses a webhook may not reach unless the deployment allows it:
//! loopback, private, link-local (cloud metadata), shared and unspecified
//! networks, so that a project admin cannot make the server call into the
//! network it runs in.

use std::net::IpAddr;

/// Why `host` (as a URL names it) is refused, if it is.
pub(crate) fn refused_host(host: &url::Host<&str>) -> Option<&'static str> {
    match host {
        url::Host::Domain(name) => {
            let name = name.trim_end_matches('.').to_ascii_lowercase();
            (name == "localhost" || name.ends_with(".localhost")).then_some("it names this machine")
        }
        url::Host::Ipv4(ip) => refused_ip(IpAddr::V4(*ip)),
        url::Host::Ipv6(ip) => refused_ip(IpAddr::V6(*ip)),
    }
}

/// Why `ip` is refused, if it is.
pub(crate) fn refused_ip(ip: IpAddr) -> Option<&'static str> {
    let refused = match ip {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                // Shared address space (carrier-grade NAT), 100.64.0.0/10.
                || (a == 100 && (64..128).contains(&b))
        }
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => return refused_ip(IpAddr::V4(v4)),
            None => {
                let first = v6.segments()[0];
                v6.is_loopback()
                    || v6.is_unspecified()
                    // Unique local fc00::/7 and link-local fe80::/10.
                    || (first & 0xfe00) == 0xfc00
                    || (first & 0xffc0) == 0xfe80
            }
        },
    };
    refused.then_some("it is a loopback, private or link-local address")
}
