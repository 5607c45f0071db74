-- fragment invoiced: does a CUR line carry an invoice id? AWS sets one on every line of a month when it
-- closes the month: a month is final when every line is invoiced (cur_analyzer.reports._lines says it).
COALESCE(bill_invoice_id, '') <> ''
