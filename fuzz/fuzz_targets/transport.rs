//! The transport's request parsing: any `Cookie` lines and session headers
//! (any bytes a header value can hold), with or without a valid session
//! cookie after them, for our format and h3's. Never a panic; and a valid
//! session cookie appended to a line in which no other pair can carry the
//! session's name is always found, whatever its neighbours hold.
#![no_main]

use std::sync::OnceLock;

use arbitrary::Arbitrary;
use http::header::{COOKIE, HeaderMap, HeaderName, HeaderValue};
use libfuzzer_sys::fuzz_target;
use session_runtime::transport::{Source, Transport};
use session_runtime_fuzz::{App, configs, sample, token};

#[derive(Arbitrary, Debug)]
enum Line {
    /// A `Cookie` line; with `valid`, `; <name>=<a valid token>` is appended.
    Cookie { bytes: Vec<u8>, valid: bool },
    /// The session header.
    SessionHeader(Vec<u8>),
    /// Another header.
    Other(Vec<u8>),
}

#[derive(Arbitrary, Debug)]
struct Request {
    h3: bool,
    lines: Vec<Line>,
}

struct Side {
    transport: Transport<App>,
    token: String,
}

fn sides() -> &'static [Side; 2] {
    static SIDES: OnceLock<[Side; 2]> = OnceLock::new();
    SIDES.get_or_init(|| {
        let configs = configs();
        [configs.cookie.clone(), configs.h3_v1.clone()].map(|config| Side {
            token: token(&config, &sample(&config)),
            transport: Transport::new(config),
        })
    })
}

fuzz_target!(|request: Request| {
    let side = &sides()[usize::from(request.h3)];
    let name = side.transport.cookie_name().to_owned();
    let session_header = side.transport.header_name().unwrap().clone();
    let mut headers = HeaderMap::new();
    // Whether the first `Cookie` line ends in the valid pair and nothing
    // before it can be named like the session cookie.
    let mut expect_found = None;
    for line in &request.lines {
        match line {
            Line::Cookie { bytes, valid } => {
                let mut value = bytes.clone();
                if *valid {
                    value.extend_from_slice(format!("; {name}={}", side.token).as_bytes());
                }
                let Ok(value) = HeaderValue::from_bytes(&value) else {
                    continue;
                };
                if expect_found.is_none() {
                    let clean = !bytes.windows(name.len()).any(|w| w == name.as_bytes());
                    expect_found = Some(*valid && clean);
                }
                headers.append(COOKIE, value);
            }
            Line::SessionHeader(bytes) => {
                if let Ok(value) = HeaderValue::from_bytes(bytes) {
                    headers.append(session_header.clone(), value);
                }
            }
            Line::Other(bytes) => {
                if let Ok(value) = HeaderValue::from_bytes(bytes) {
                    headers.append(HeaderName::from_static("x-other"), value);
                }
            }
        }
    }
    let _ = side.transport.find(&headers);
    let loaded = side
        .transport
        .load(&headers)
        .now()
        .expect("cookie backends answer at once")
        .expect("no store");
    let header_present = headers.get(&session_header).is_some_and(|v| !v.is_empty());
    if expect_found == Some(true) && !header_present {
        assert_eq!(loaded.arrival.source, Source::Cookie, "{request:?}");
        assert_eq!(loaded.error, None, "{request:?}");
        assert_eq!(*loaded.session.visits(), 41, "{request:?}");
    }
    let _ = side.transport.save(&loaded.session, loaded.arrival).now();
});
