//! [`PageFlow`]: a listing, page after page, until the last.

use std::time::Duration;

use super::{Action, CallFlow, Child, Event, Events, Flow, Input, drive};
use crate::client::ClientError;
use crate::ops::Paginated;
use crate::retry::RetryPolicy;
use crate::{Error, Signer, Timestamp};

/// Pages through a listing ([`Paginated`]: `ListFiles`, `ListFolders`, `ListRefDISyncTasks`)
/// from page 1, each page a [`CallFlow`] with its retries, until a page is short or empty or
/// the total is reached. The output is every record, in the service's order.
///
/// A listing over pages is not a snapshot: a record added or removed while it pages may be
/// missed or seen twice, as with any paged API. `max_pages` bounds a service that never
/// stops.
///
/// ```
/// use std::time::Duration;
/// use di_proto::flow::{Action, Flow, Input, PageFlow};
/// use di_proto::ops::ListFiles;
/// use di_proto::retry::RetryPolicy;
/// use di_proto::{Credentials, Endpoint, Signer, Timestamp};
///
/// let credentials = Credentials::new("LTAI5tDemoKeyId", "demo-secret")?;
/// let endpoint = Endpoint::parse("http://127.0.0.1:8080")?;
/// let mut flow = PageFlow::new(ListFiles::new(10000).with_page_size(2), RetryPolicy::default());
/// let pages = [
///     r#"{"RequestId":"r1","Success":true,"Data":{"PageNumber":1,"PageSize":2,"TotalCount":3,"Files":[{"FileId":1},{"FileId":2}]}}"#,
///     r#"{"RequestId":"r2","Success":true,"Data":{"PageNumber":2,"PageSize":2,"TotalCount":3,"Files":[{"FileId":3}]}}"#,
/// ];
/// let mut answers = pages.iter();
/// let mut input = Input::Start;
/// let files = loop {
///     match flow.next(Duration::ZERO, input) {
///         Action::Send { .. } => {
///             let now = Timestamp::from_unix_seconds(1_700_000_000)?;
///             flow.sign(Signer::new(&credentials, &endpoint), now, [7; 24])?;
///             let body = answers.next().expect("two pages");
///             input = Input::Response(di_proto::http::Response::builder()
///                 .header("content-type", "application/json").body(body.as_bytes().to_vec()).unwrap());
///         }
///         Action::Sleep(_) => input = Input::Woke,
///         Action::Done(files) => break files.unwrap(),
///     }
/// };
/// assert_eq!(files.iter().map(|f| f.file_id.unwrap()).collect::<Vec<_>>(), [1, 2, 3]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct PageFlow<P: Paginated> {
    listing: P,
    retry: RetryPolicy,
    page: Option<CallFlow<P>>,
    page_number: u32,
    max_pages: u32,
    items: Vec<P::Item>,
    clock_offset: i64,
    interrupted: bool,
    finished: bool,
    events: Events,
}

impl<P: Paginated> PageFlow<P> {
    /// Pages through `listing` from page 1, each call retried under `retry`, for at most
    /// 10,000 pages.
    pub fn new(listing: P, retry: RetryPolicy) -> Self {
        PageFlow {
            listing,
            retry,
            page: None,
            page_number: 0,
            max_pages: 10_000,
            items: Vec::new(),
            clock_offset: 0,
            interrupted: false,
            finished: false,
            events: Events::new(),
        }
    }

    /// Stops with [`ClientError::TooManyPages`] after `max_pages` pages that all said there
    /// was more (or after the listing's documented last page, whichever comes first).
    #[must_use]
    pub fn with_max_pages(mut self, max_pages: u32) -> Self {
        self.max_pages = max_pages.max(1);
        self
    }

    /// The pages asked for so far.
    pub fn pages(&self) -> u32 {
        self.page_number
    }

    fn finish(
        &mut self,
        result: Result<Vec<P::Item>, ClientError>,
    ) -> Action<<Self as Flow>::Output> {
        self.finished = true;
        Action::Done(result)
    }

    fn start_page<B: AsRef<[u8]>>(&mut self, now: Duration) -> Action<<Self as Flow>::Output> {
        if self.interrupted {
            let action = self.action().to_owned();
            return self.finish(Err(ClientError::Interrupted { action }));
        }
        let documented_last = self.listing.max_page_number().unwrap_or(u32::MAX);
        if self.page_number >= self.max_pages || self.page_number >= documented_last {
            return self.finish(Err(ClientError::TooManyPages {
                action: self.action().to_owned(),
                pages: self.page_number,
            }));
        }
        self.page_number += 1;
        let mut page = CallFlow::new(self.listing.at_page(self.page_number), self.retry);
        page.set_clock_offset(self.clock_offset);
        self.page = Some(page);
        self.step_page(now, Input::<B>::Start)
    }

    fn step_page<B: AsRef<[u8]>>(
        &mut self,
        now: Duration,
        input: Input<B>,
    ) -> Action<<Self as Flow>::Output> {
        let Some(page) = self.page.as_mut() else {
            return self.finish(Err(ClientError::FlowEnded));
        };
        let result = match drive(page, now, input, &mut self.events) {
            Child::Pass(pass) => return pass.into_action(),
            Child::Done(result) => result,
        };
        self.clock_offset = page.clock_offset();
        self.page = None;
        let page = match result {
            Ok(page) => page,
            Err(error) => return self.finish(Err(error)),
        };
        let more = page.has_next(self.listing.page_size());
        self.items.extend(page.items);
        if more {
            self.start_page::<B>(now)
        } else {
            let items = std::mem::take(&mut self.items);
            self.finish(Ok(items))
        }
    }
}

impl<P: Paginated> Flow for PageFlow<P> {
    type Output = Result<Vec<P::Item>, ClientError>;

    fn next<B: AsRef<[u8]>>(&mut self, now: Duration, input: Input<B>) -> Action<Self::Output> {
        if self.finished {
            return Action::Done(Err(ClientError::FlowEnded));
        }
        match input {
            Input::Start => self.start_page::<B>(now),
            input => self.step_page(now, input),
        }
    }

    fn sign(
        &mut self,
        signer: Signer<'_>,
        local_now: Timestamp,
        random: [u8; 24],
    ) -> Result<http::Request<Vec<u8>>, Error> {
        match self.page.as_mut() {
            Some(page) => page.sign(signer, local_now, random),
            None => Err(Error::NoRequestToSign),
        }
    }

    fn interrupt(&mut self) {
        self.interrupted = true;
        if let Some(page) = self.page.as_mut() {
            page.interrupt();
        }
    }

    fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }

    fn action(&self) -> &str {
        self.page
            .as_ref()
            .map_or(<P as Paginated>::ACTION, Flow::action)
    }

    fn clock_offset(&self) -> i64 {
        self.page
            .as_ref()
            .map_or(self.clock_offset, Flow::clock_offset)
    }

    fn set_clock_offset(&mut self, seconds: i64) {
        self.clock_offset = seconds;
    }
}
