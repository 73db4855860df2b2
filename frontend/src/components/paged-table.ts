// What every paged list of the portal passes to mantine-datatable's DataTable: the look, the
// page's records and total from a list query, and the pager. A page spreads it and adds its own
// label, columns and empty text: <DataTable aria-label="Claims" {...pagedTable(query, ...)} />.

type Page<T> = { items?: T[]; total?: number; total_is_estimate?: boolean };
type ListQuery<T> = { data?: Page<T>; isFetching: boolean };

/** "1–25 of 1,234", or "of about 1,200,000" when the API could only estimate the total: past a
 * cap it answers the planner's estimate (`total_is_estimate`) instead of counting every row. */
export function pagerText(from: number, to: number, total: number, estimate = false) {
  return `${from}–${to} of ${estimate ? 'about ' : ''}${total.toLocaleString('en-US')}`;
}

export function pagedTable<T>(
  query: ListQuery<T>,
  page: number,
  onPageChange: (page: number) => void,
  recordsPerPage: number,
) {
  const estimate = query.data?.total_is_estimate ?? false;
  return {
    withTableBorder: true,
    striped: true,
    minHeight: 160,
    fetching: query.isFetching,
    records: query.data?.items ?? [],
    totalRecords: query.data?.total ?? 0,
    recordsPerPage,
    page,
    onPageChange,
    paginationText: ({ from, to, totalRecords }: { from: number; to: number; totalRecords: number }) =>
      pagerText(from, to, totalRecords, estimate),
  };
}
