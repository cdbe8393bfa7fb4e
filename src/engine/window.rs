//! The dispatch window: at most `limit` dispatches (`HandleTask`) are out
//! with the workers at a time, not yet taken (confirmed, refused, or
//! answered with a result). The rest wait here as the ids of their IDLE
//! action executions, and their messages are made from the records when a
//! place frees up: a with-items of 100,000 items keeps 100,000 ids in the
//! engine instead of 100,000 messages, each with its input, in the
//! workers' queues.
//!
//! The window is flow control only. What runs is still decided by the
//! confirmation: an entry whose action is no longer IDLE, or whose attempt
//! was sent again, is dropped when its turn comes; a dispatch whose answer
//! never comes (a message lost with a worker) gives its place back after
//! [`LOST_AFTER`].

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

use crate::domain::{ActionExecutionId, ExecutionId};
use crate::protocol::HandleTask;

/// How long a dispatch may stay unanswered before its place is given to
/// another (it may still be answered; the place is then simply free).
pub(crate) const LOST_AFTER: Duration = Duration::from_secs(60);

/// A dispatch waiting for a place.
pub(crate) enum Waiting {
    /// Made again from the IDLE record of this attempt when its turn comes.
    Record(ExecutionId, ActionExecutionId, u32),
    /// A message that differs from its record (an ad-hoc action sent as
    /// the system action it expands to), kept whole.
    Message(Box<HandleTask>),
}

/// The dispatches out with the workers and those waiting for a place.
pub(crate) struct Window {
    limit: usize,
    out: HashMap<ActionExecutionId, Instant>,
    waiting: VecDeque<Waiting>,
}

impl Default for Window {
    fn default() -> Self {
        Self::new(DEFAULT_LIMIT)
    }
}

/// Dispatches out at once unless configured otherwise (`dispatch_window`).
pub const DEFAULT_LIMIT: usize = 4096;

impl Window {
    /// A window of `limit` dispatches (at least one).
    pub(crate) fn new(limit: usize) -> Self {
        Self {
            limit: limit.max(1),
            out: HashMap::new(),
            waiting: VecDeque::new(),
        }
    }

    /// True when a dispatch may go out now: there is a place and nothing
    /// waits before it.
    pub(crate) fn open(&self) -> bool {
        self.waiting.is_empty() && self.out.len() < self.limit
    }

    /// Counts a dispatch as out.
    pub(crate) fn sent(&mut self, id: ActionExecutionId) {
        self.out.insert(id, Instant::now());
    }

    /// Puts a dispatch at the back of the line.
    pub(crate) fn wait(&mut self, w: Waiting) {
        self.waiting.push_back(w);
    }

    /// The dispatch of `id` was taken: its place is free. True when one
    /// was out for it.
    pub(crate) fn taken(&mut self, id: &ActionExecutionId) -> bool {
        self.out.remove(id).is_some()
    }

    /// The next waiting dispatch, if a place is free for it.
    pub(crate) fn next(&mut self) -> Option<Waiting> {
        if self.out.len() >= self.limit {
            return None;
        }
        self.waiting.pop_front()
    }

    /// Gives back the places of dispatches unanswered for [`LOST_AFTER`];
    /// how many.
    pub(crate) fn forget_lost(&mut self, now: Instant) -> usize {
        let before = self.out.len();
        self.out
            .retain(|_, sent| now.saturating_duration_since(*sent) < LOST_AFTER);
        before - self.out.len()
    }

    /// Dispatches out now.
    pub(crate) fn out(&self) -> usize {
        self.out.len()
    }

    /// Dispatches waiting for a place.
    pub(crate) fn waiting(&self) -> usize {
        self.waiting.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_window_makes_dispatches_wait_in_order() {
        let mut w = Window::new(2);
        let (a, b, c) = (
            ActionExecutionId::new(),
            ActionExecutionId::new(),
            ActionExecutionId::new(),
        );
        let ex = ExecutionId::new();
        assert!(w.open());
        w.sent(a);
        w.sent(b);
        assert!(!w.open());
        w.wait(Waiting::Record(ex, c, 1));
        w.wait(Waiting::Record(ex, a, 2));
        assert!(w.next().is_none(), "no place yet");
        assert!(w.taken(&a));
        assert!(!w.taken(&a), "taken once");
        match w.next() {
            Some(Waiting::Record(_, id, 1)) => assert_eq!(id, c),
            _ => panic!("the first waiting comes first"),
        }
        // The caller sends it, so the window is full again.
        w.sent(c);
        assert!(w.next().is_none());
        assert_eq!((w.out(), w.waiting()), (2, 1));
        assert!(!w.open(), "something still waits");
    }

    #[test]
    fn an_unanswered_dispatch_gives_its_place_back() {
        let mut w = Window::new(1);
        let a = ActionExecutionId::new();
        w.sent(a);
        assert_eq!(w.forget_lost(Instant::now()), 0);
        assert_eq!(w.forget_lost(Instant::now() + LOST_AFTER), 1);
        assert!(w.open());
    }
}
