//! [`TokenOut`]: where a backend writes the token the client must keep.

/// Where a backend writes a new token: into a buffer the caller owns (a
/// `Set-Cookie` line being built), after the caller's prefix (`name=`),
/// with room to spare after it for the rest of the line. The buffer is
/// sized exactly once, when the token's length is known: a `Set-Cookie`
/// costs one allocation.
#[derive(Debug)]
pub struct TokenOut<'a> {
    buf: &'a mut Vec<u8>,
    prefix: &'a [u8],
    room: usize,
}

impl<'a> TokenOut<'a> {
    /// A token written into `buf` (empty) after `prefix`, `room` to spare.
    pub(crate) fn new(buf: &'a mut Vec<u8>, prefix: &'a [u8], room: usize) -> Self {
        debug_assert!(buf.is_empty(), "a token starts an empty buffer");
        Self { buf, prefix, room }
    }

    /// Sizes the buffer for a token of `len` bytes, writes the prefix, and
    /// gives the buffer to append the token to.
    pub(crate) fn start(&mut self, len: usize) -> &mut Vec<u8> {
        self.buf.reserve_exact(self.prefix.len() + len + self.room);
        self.buf.extend_from_slice(self.prefix);
        self.buf
    }

    /// The token written, if any.
    pub(crate) fn token(&self) -> Option<&[u8]> {
        self.buf.get(self.prefix.len()..).filter(|t| !t.is_empty())
    }

    /// Forgets what was written.
    pub(crate) fn discard(&mut self) {
        self.buf.clear();
    }
}
