//! Paged listings: one page of an answer, and the operations a paginator can page through.

use super::Operation;
use super::change::{self, DataAnswer};
use super::model::{FromValue, Item};
use crate::{Error, ResponseContext};

/// One page of a listing. `Debug` shows the names of the members of `data` only (the records
/// are in `items`, where a file's content shows its length only).
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Page<T> {
    /// The request id.
    pub request_id: String,
    /// The records on this page.
    pub items: Vec<T>,
    /// `Data.PageNumber`, when sent.
    pub page_number: Option<i64>,
    /// `Data.PageSize`, when sent.
    pub page_size: Option<i64>,
    /// `Data.TotalCount`: the records on all pages, when sent.
    pub total_count: Option<i64>,
    /// The whole `Data` member, for members added after this crate (XML values as text).
    pub data: serde_json::Value,
}

impl<T: std::fmt::Debug> std::fmt::Debug for Page<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Page")
            .field("request_id", &self.request_id)
            .field("items", &self.items)
            .field("page_number", &self.page_number)
            .field("page_size", &self.page_size)
            .field("total_count", &self.total_count)
            .field("data", &change::RawData(&self.data))
            .finish()
    }
}

/// A listing that [`crate::flow::PageFlow`] pages through, from page 1 until the last.
pub trait Paginated: Operation<Output = Page<Self::Item>> + Sized {
    /// What the listing lists.
    type Item;

    /// The action name on the wire.
    const ACTION: &'static str;

    /// The same listing at page `page_number` (1 for the first).
    #[must_use]
    fn at_page(&self, page_number: u32) -> Self;

    /// The page size asked for.
    fn page_size(&self) -> u32;

    /// The last page the listing documents, when it documents one (`ListRefDISyncTasks`:
    /// 100); a listing with more is not read past it.
    fn max_page_number(&self) -> Option<u32> {
        None
    }
}

impl<T> Page<T> {
    /// Whether a listing has pages after this one, `page_size` being the size asked for:
    /// not when the page is short or empty, nor when the total is reached.
    pub fn has_next(&self, page_size: u32) -> bool {
        let got = self.items.len() as i64;
        if got == 0 || got < i64::from(page_size) {
            return false;
        }
        match (self.total_count, self.page_number) {
            (Some(total), Some(number)) => number.saturating_mul(i64::from(page_size)) < total,
            _ => true,
        }
    }
}

/// Reads a listing's answer: the list at `Data.<member>` and the paging members.
pub(super) fn read_page<T: Item, B: AsRef<[u8]>>(
    member: &'static str,
    response: &http::Response<B>,
    context: &ResponseContext<'_>,
) -> Result<Page<T>, Error> {
    let (data, tree) = change::read_tree(response, context)?;
    let DataAnswer { request_id, .. } = data;
    let members = tree.as_object();
    let get = |name: &'static str| members.and_then(|members| members.get(name));
    let read = || -> Result<Page<T>, String> {
        Ok(Page {
            request_id: request_id.clone(),
            items: <Vec<T>>::from_value(get(member), &|| format!("Data.{member}"))?,
            page_number: <Option<i64>>::from_value(get("PageNumber"), &|| {
                "Data.PageNumber".to_owned()
            })?,
            page_size: <Option<i64>>::from_value(get("PageSize"), &|| "Data.PageSize".to_owned())?,
            total_count: <Option<i64>>::from_value(get("TotalCount"), &|| {
                "Data.TotalCount".to_owned()
            })?,
            data: tree.clone(),
        })
    };
    read().map_err(|detail| {
        change::unexpected(
            response,
            crate::error::BodyProblem::Malformed { detail },
            request_id.clone(),
        )
    })
}

/// Checks a page size against a listing's maximum.
pub(super) fn page_size(value: u32, max: u32) -> Result<(), Error> {
    if (1..=max).contains(&value) {
        Ok(())
    } else {
        Err(Error::InvalidParameter {
            name: "PageSize".to_owned(),
            reason: "must be between 1 and the listing's maximum (100)",
        })
    }
}

/// Declares a listing: its [`super::Operation`] (through [`super::declare::operation!`]), the
/// reading of its page (the records at `Data.<member>`) and its [`Paginated`] implementation
/// (the struct has `page_number` and `page_size` fields, and is `Clone`).
macro_rules! listing {
    ($listing:ident => $item:ty, member $member:literal $(, max page $max:literal)?) => {
        $crate::ops::declare::operation!($listing => $crate::ops::Page<$item>);

        impl $crate::ops::declare::Reply for $crate::ops::Page<$item> {
            fn read<B: AsRef<[u8]>>(
                _: $crate::ops::declare::Reading,
                response: &http::Response<B>,
                context: &$crate::ResponseContext<'_>,
            ) -> Result<Self, $crate::Error> {
                $crate::ops::page::read_page($member, response, context)
            }
        }

        impl $listing {
            /// Pages of `page_size` records (1 to 100).
            #[must_use]
            pub fn with_page_size(mut self, page_size: u32) -> Self {
                self.page_size = page_size;
                self
            }
        }

        impl $crate::ops::Paginated for $listing {
            type Item = $item;
            const ACTION: &'static str = $listing::ACTION;

            fn at_page(&self, page_number: u32) -> Self {
                $listing {
                    page_number,
                    ..self.clone()
                }
            }

            fn page_size(&self) -> u32 {
                self.page_size
            }

            $(
                fn max_page_number(&self) -> Option<u32> {
                    Some($max)
                }
            )?
        }
    };
}

pub(crate) use listing;
