//! Live-update figures read at scrape time from the event hub: how many subscribers (GraphQL
//! subscriptions, server-sent event streams) this instance feeds now. Nothing is recorded on the
//! request path.

use prometheus::IntGauge;
use prometheus::core::{Collector, Desc};
use prometheus::proto::MetricFamily;

use crate::events::Events;

/// A [`Collector`] that reads the hub's subscriber count each time the registry is gathered.
pub struct LiveCollector {
    events: Events,
    subscribers: IntGauge,
}

impl LiveCollector {
    pub fn new(events: Events) -> prometheus::Result<Self> {
        Ok(LiveCollector {
            events,
            subscribers: IntGauge::new(
                "conduit_live_subscribers",
                "Live streams (GraphQL subscriptions, server-sent event streams) subscribed to \
                 this instance's event hub now",
            )?,
        })
    }
}

impl Collector for LiveCollector {
    fn desc(&self) -> Vec<&Desc> {
        self.subscribers.desc()
    }

    fn collect(&self) -> Vec<MetricFamily> {
        let count = i64::try_from(self.events.subscriber_count()).unwrap_or(i64::MAX);
        self.subscribers.set(count);
        self.subscribers.collect()
    }
}
