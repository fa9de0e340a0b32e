//! What the examples read from the environment: the key, and where
//! sessions live (`SESSION_STORE`). Shared by the examples (each includes
//! this file).

use session_runtime::store::{MemoryStore, RedisStore};
use session_runtime::{Key, SessionConfig, SessionSchema};

/// The key from `SESSION_SECRET` (at least 32 bytes), or a generated one.
///
/// # Errors
/// A `SESSION_SECRET` shorter than 32 bytes.
pub(crate) fn key() -> Result<Key, Box<dyn std::error::Error>> {
    if let Ok(secret) = std::env::var("SESSION_SECRET") {
        return Ok(Key::derive(secret)?);
    }
    eprintln!(
        "SESSION_SECRET is not set: using a generated key; sessions end when the server stops"
    );
    Ok(Key::generate())
}

/// Where sessions live.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Storage {
    /// Sealed into the cookie.
    Cookie,
    /// In this process's [`MemoryStore`].
    Memory,
    /// In the Redis server at this URL.
    Redis(String),
}

/// `SESSION_STORE`: `cookie`, `memory` or a `redis://` URL, else `default`.
///
/// # Errors
/// Any other value.
pub(crate) fn storage(default: Storage) -> Result<Storage, Box<dyn std::error::Error>> {
    match std::env::var("SESSION_STORE").as_deref() {
        Err(_) | Ok("") => Ok(default),
        Ok("cookie") => Ok(Storage::Cookie),
        Ok("memory") => Ok(Storage::Memory),
        Ok(url) if url.starts_with("redis://") || url.starts_with("rediss://") => {
            Ok(Storage::Redis(url.to_owned()))
        }
        Ok(other) => Err(format!(
            "SESSION_STORE must be cookie, memory or a redis:// URL, not {other:?}"
        )
        .into()),
    }
}

/// `config` keeping its sessions as `storage` says.
///
/// # Errors
/// A Redis server that cannot be reached.
pub(crate) async fn with_storage<T: SessionSchema>(
    config: SessionConfig<T>,
    storage: Storage,
) -> Result<SessionConfig<T>, Box<dyn std::error::Error>> {
    Ok(match storage {
        Storage::Cookie => config,
        Storage::Memory => config.with_store(MemoryStore::new()),
        Storage::Redis(url) => config.with_store(RedisStore::connect(url).await?),
    })
}
