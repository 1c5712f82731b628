//! When a periodic run must stop reading: early enough before the Lambda timeout to report what
//! it has. What it leaves waits for the next run, and stale results are not retired from a
//! partial run.

use std::future::Future;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// Time kept back for reporting (PutEvaluations in batches, with retries).
pub const REPORTING_RESERVE: Duration = Duration::from_secs(10);
/// The longest a Lambda function may run.
const MAX_LAMBDA_TIMEOUT: Duration = Duration::from_secs(900);

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Deadline {
    stop_at: Option<Instant>,
}

impl Deadline {
    /// No deadline (the command line).
    pub const NONE: Deadline = Deadline { stop_at: None };

    /// Stop reading at `stop_at`.
    pub fn at(stop_at: Instant) -> Self {
        Deadline {
            stop_at: Some(stop_at),
        }
    }

    /// From the Lambda context's deadline (milliseconds since the epoch), keeping
    /// `REPORTING_RESERVE` for reporting, or three tenths of what is left when that is less.
    /// A value no longer than Lambda's longest timeout is no time since the epoch but the time
    /// left (`cargo lambda watch` sends its timeout, 600000), and is read so.
    pub fn from_lambda_deadline(deadline_ms: u64) -> Self {
        let left_ms = if deadline_ms <= MAX_LAMBDA_TIMEOUT.as_millis() as u64 {
            u128::from(deadline_ms)
        } else {
            let now_ms = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map(|d| d.as_millis())
                .unwrap_or_default();
            u128::from(deadline_ms).saturating_sub(now_ms)
        };
        let left = Duration::from_millis(u64::try_from(left_ms).unwrap_or(u64::MAX));
        let reserve = REPORTING_RESERVE.min(left / 10 * 3);
        Deadline::at(Instant::now() + left.saturating_sub(reserve))
    }

    /// Whether `wait` from now still ends before the deadline.
    pub fn allows(&self, wait: Duration) -> bool {
        self.stop_at
            .is_none_or(|stop_at| Instant::now() + wait < stop_at)
    }

    /// Whether reading must stop now.
    pub fn reached(&self) -> bool {
        self.stop_at
            .is_some_and(|stop_at| Instant::now() >= stop_at)
    }

    /// `read`'s output, or `None` when the deadline comes first: a read still in flight then is
    /// dropped, so one slow call cannot hold the run past the time kept for reporting.
    pub async fn bound<T>(&self, read: impl Future<Output = T>) -> Option<T> {
        if self.reached() {
            return None;
        }
        match self.stop_at {
            None => Some(read.await),
            Some(stop_at) => tokio::time::timeout_at(stop_at.into(), read).await.ok(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_deadline_is_never_reached_and_a_past_one_is() {
        assert!(!Deadline::NONE.reached());
        assert!(Deadline::at(Instant::now()).reached());
        assert!(!Deadline::at(Instant::now() + Duration::from_secs(60)).reached());
    }

    #[test]
    fn a_lambda_deadline_keeps_time_back_for_reporting() {
        let now_ms = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_millis() as u64;
        // 60 s left: stop 10 s early.
        let deadline = Deadline::from_lambda_deadline(now_ms + 60_000);
        let stop = deadline.stop_at.unwrap();
        let left = stop.saturating_duration_since(Instant::now());
        assert!(
            left > Duration::from_secs(45) && left <= Duration::from_secs(50),
            "{left:?}"
        );
        // Already past: reached at once.
        assert!(Deadline::from_lambda_deadline(now_ms.saturating_sub(1_000)).reached());
    }

    #[test]
    fn a_deadline_shorter_than_any_timeout_is_the_time_left() {
        // cargo lambda watch sends 600000: ten minutes left, not a time in 1970.
        let deadline = Deadline::from_lambda_deadline(600_000);
        let left = deadline
            .stop_at
            .unwrap()
            .saturating_duration_since(Instant::now());
        assert!(
            left > Duration::from_secs(585) && left <= Duration::from_secs(590),
            "{left:?}"
        );
    }

    #[tokio::test]
    async fn a_read_still_in_flight_at_the_deadline_is_dropped() {
        let deadline = Deadline::at(Instant::now() + Duration::from_millis(50));
        let slow = tokio::time::sleep(Duration::from_secs(30));
        let started = Instant::now();
        assert_eq!(deadline.bound(slow).await, None);
        assert!(started.elapsed() < Duration::from_secs(5));
        assert_eq!(deadline.bound(async { 7 }).await, None, "past the deadline");
        assert_eq!(Deadline::NONE.bound(async { 7 }).await, Some(7));
        let later = Deadline::at(Instant::now() + Duration::from_secs(60));
        assert_eq!(later.bound(async { 7 }).await, Some(7));
    }
}
