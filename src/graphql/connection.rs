//! Relay connections (edges, pageInfo, totalCount) over domain pages.

use async_graphql::{Context, OutputType, SimpleObject};

use super::plain::{Plain, PlainFields};

use super::error::ApiResult;
use super::types::{Approval, Artifact, ArtifactVersion, Project, Run, WebhookDelivery};
use crate::domain::query::pagination::{DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, Page, PageArgs};

/// Where a page is in its list (Relay): pass `endCursor` as `after` for the
/// next page, or, where a list pages backward, `startCursor` as `before`
/// for the previous one.
#[derive(SimpleObject)]
pub(crate) struct PageInfo {
    /// Whether more items follow this page (paging backward: whether it was
    /// asked for with `before`).
    pub has_next_page: bool,
    /// Whether items precede the page: it was asked for with `after`, or,
    /// paging backward, items come before it.
    pub has_previous_page: bool,
    /// The cursor of the page's first item; null when the page is empty.
    pub start_cursor: Option<String>,
    /// The cursor of the page's last item, to pass as `after` for the next
    /// page; null when the page is empty.
    pub end_cursor: Option<String>,
}

/// One item of a page, with its cursor.
#[derive(SimpleObject)]
#[graphql(concrete(name = "ProjectEdge", params(Project)))]
#[graphql(concrete(name = "RunEdge", params(Run)))]
#[graphql(concrete(name = "ArtifactEdge", params(Artifact)))]
#[graphql(concrete(name = "ArtifactVersionEdge", params(ArtifactVersion)))]
#[graphql(concrete(name = "ApprovalEdge", params(Approval)))]
#[graphql(concrete(name = "WebhookDeliveryEdge", params(WebhookDelivery)))]
pub(crate) struct Edge<T: PlainFields> {
    /// The item's position in the list: pass it as `after` to continue after
    /// it. Opaque.
    pub cursor: String,
    /// The item.
    pub node: Plain<T>,
}

/// One page of a list (a Relay connection): keyset-paginated in a stable
/// order, `first` items (default 20, at most 100) after the `after` cursor.
#[derive(SimpleObject)]
#[graphql(concrete(name = "ProjectConnection", params(Project)))]
#[graphql(concrete(name = "RunConnection", params(Run)))]
#[graphql(concrete(name = "ArtifactConnection", params(Artifact)))]
#[graphql(concrete(name = "ArtifactVersionConnection", params(ArtifactVersion)))]
#[graphql(concrete(name = "ApprovalConnection", params(Approval)))]
#[graphql(concrete(name = "WebhookDeliveryConnection", params(WebhookDelivery)))]
pub(crate) struct Connection<T: PlainFields>
where
    Edge<T>: OutputType,
{
    /// The page's items, in the list's order.
    pub edges: Vec<Edge<T>>,
    /// Whether there are more pages, and the cursors to fetch them.
    pub page_info: PageInfo,
    /// How many items match, over all pages (counted only when selected).
    pub total_count: i64,
}

impl<T: PlainFields> Connection<T>
where
    Edge<T>: OutputType,
{
    pub(crate) fn from_page<M>(page: Page<M>, node: impl FnMut(M) -> T) -> Self {
        let page = page.map(node);
        let page_info = PageInfo {
            has_next_page: page.has_next_page,
            has_previous_page: page.has_previous_page,
            start_cursor: page.items.first().map(|(c, _)| c.clone()),
            end_cursor: page.items.last().map(|(c, _)| c.clone()),
        };
        Connection {
            total_count: page.total_count.unwrap_or(0) as i64,
            edges: page
                .items
                .into_iter()
                .map(|(cursor, node)| Edge {
                    cursor,
                    node: Plain(node),
                })
                .collect(),
            page_info,
        }
    }
}

/// The complexity of a connection field: its items' complexity times the
/// page size asked for, so that wide nested pages are priced as they cost.
pub(crate) fn page_complexity(first: Option<i32>, child_complexity: usize) -> usize {
    let size = first.map_or(DEFAULT_PAGE_SIZE, |n| {
        n.clamp(0, MAX_PAGE_SIZE as i32) as u64
    });
    (size as usize).max(1).saturating_mul(child_complexity)
}

/// Page arguments of a connection field that pages both ways (Relay's
/// first/after and last/before); counts only when totalCount is selected.
pub(crate) fn relay_args(
    ctx: &Context<'_>,
    first: Option<i32>,
    after: Option<String>,
    last: Option<i32>,
    before: Option<String>,
) -> async_graphql::Result<PageArgs> {
    let with_total = ctx.look_ahead().field("totalCount").exists();
    PageArgs::relay(first, after, last, before, with_total).api()
}

/// Page arguments of a connection field; counts only when totalCount is selected.
pub(crate) fn page_args(
    ctx: &Context<'_>,
    first: Option<i32>,
    after: Option<String>,
) -> async_graphql::Result<PageArgs> {
    let with_total = ctx.look_ahead().field("totalCount").exists();
    PageArgs::new(first, after, with_total).api()
}
