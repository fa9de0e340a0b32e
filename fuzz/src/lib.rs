//! What the fuzz targets share: one session schema and the configurations
//! (every backend a token can be opened by), built once.

use std::sync::{Arc, OnceLock};

use session_runtime::h3::iron::{IronCodec, IronParams, Passwords};
use session_runtime::h3::{H3Format, H3Version};
use session_runtime::store::MemoryStore;
use session_runtime::{Key, KeyRing, ManualClock, Session, SessionConfig};

/// A schema with every kind of field: plain, optional, flash, owner, and a
/// free JSON value (unknown shapes, deep nesting).
#[derive(Session)]
#[session(cookie = "sid", max_age = "7d", idle_timeout = "30m")]
pub struct App {
    #[session(owner)]
    pub user: Option<String>,
    #[session(default)]
    pub visits: u32,
    pub ratio: Option<f64>,
    pub extra: Option<serde_json::Value>,
    #[session(flash)]
    pub notice: Option<String>,
}

/// The session cookie's name (the associated data of every sealed frame).
pub const COOKIE: &str = "sid";

/// The key every configuration of our format seals with.
pub fn key_ring() -> &'static KeyRing {
    static RING: OnceLock<KeyRing> = OnceLock::new();
    RING.get_or_init(|| KeyRing::new(Key::derive([7u8; 32]).expect("a 32-byte secret")))
}

/// The fixed clock every configuration uses.
pub const NOW: u64 = 1_700_000_000_000;

/// The h3 password.
pub const PASSWORD: &str = "a fuzzing password of at least thirty-two characters";

/// Our format in a cookie, our format with a store (the cookie holds a
/// sealed id), h3 v1 and h3 v2 (the v2 codec at 2 iterations, so that a run
/// is not all PBKDF2; the code paths are those of 8192).
pub struct Configs {
    /// The h3 v1 codec (`h3_v1` seals with it).
    pub codec_v1: Arc<IronCodec>,
    /// The h3 v2 codec (`h3_v2` seals with it).
    pub codec_v2: Arc<IronCodec>,
    /// Our format, the whole session sealed into the cookie.
    pub cookie: SessionConfig<App>,
    /// Our format with a `MemoryStore`: the cookie holds a sealed id.
    pub store: SessionConfig<App>,
    /// h3 v1 seals.
    pub h3_v1: SessionConfig<App>,
    /// h3 v2 seals.
    pub h3_v2: SessionConfig<App>,
}

/// The configurations, built on first use and shared by every run.
pub fn configs() -> &'static Configs {
    static CONFIGS: OnceLock<Configs> = OnceLock::new();
    CONFIGS.get_or_init(|| {
        let clock = ManualClock::new(NOW);
        // No PBKDF2 budget: the fixed clock would never refill it.
        let codec = |params| {
            Arc::new(
                IronCodec::new(Passwords::single(PASSWORD).unwrap(), params)
                    .unwrap()
                    .with_derivation_budget(u64::MAX),
            )
        };
        let codec_v1 = codec(IronParams::H3_V1);
        let codec_v2 = codec(IronParams::H3_V2.with_iterations(2));
        let h3 = |version, codec: &Arc<IronCodec>| {
            SessionConfig::new(H3Format::from_codec(version, Arc::clone(codec)))
                .with_clock(clock.clone())
        };
        Configs {
            h3_v1: h3(H3Version::V1, &codec_v1),
            h3_v2: h3(H3Version::V2, &codec_v2),
            codec_v1,
            codec_v2,
            cookie: SessionConfig::new(key_ring().clone()).with_clock(clock.clone()),
            store: SessionConfig::new(key_ring().clone())
                .with_store(MemoryStore::new().with_capacity(10_000))
                .with_clock(clock.clone()),
        }
    })
}

/// Opens `token` with `config` (a store answers at once); a rejected token
/// gives a fresh session, never a panic. An opened session is written and
/// saved again, which must not panic either.
pub fn open_and_save(config: &SessionConfig<App>, token: &str) {
    let loaded = Session::<App>::load(config, Some(token))
        .now()
        .expect("cookie and memory backends answer at once");
    // Only an opened session is saved: saving every fresh one would fill the
    // store run after run.
    if let Ok((mut session, None)) = loaded
        && !session.is_new()
    {
        session.set_visits(session.visits().wrapping_add(1));
        let _ = session.save(config).now();
    }
}

/// A session with something in every kind of field.
pub fn sample(config: &SessionConfig<App>) -> Session<App> {
    let mut session = Session::<App>::new(config);
    session.set_user("ada");
    session.set_visits(41);
    session.set_ratio(0.1 + 0.2);
    session.set_extra(serde_json::json!({"a": [1, 2, {"b": null}], "c": "é"}));
    session.flash_notice("saved");
    session
}

/// The token saving `session` gives (a sealed session, or a store's sealed id).
pub fn token(config: &SessionConfig<App>, session: &Session<App>) -> String {
    match session.save(config).now().expect("at once").expect("saves") {
        session_runtime::Saved::Write(token) => token,
        other => panic!("expected a token, got {other:?}"),
    }
}
