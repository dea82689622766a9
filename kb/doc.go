// Package kb is the knowledge base: it turns resolved tickets into reusable
// knowledge. Service ties its parts together:
//
//   - casebook keeps every ticket's latest text and labels, fed by the change
//     stream (Service.Handle is the stream consumer's handler);
//   - index is the bleve index of resolved cases and published articles,
//     rebuilt from the stream when its mapping changes;
//   - classify predicts a new ticket's category and priority from the
//     resolved cases, folding each newly resolved one in at once and
//     retraining in full every so often;
//   - miner groups similar resolved tickets into article candidates, update
//     proposals and knowledge gaps;
//   - articles is the review workflow and the versioned articles, with the
//     agents' feedback that reranks similar cases.
//
// It sees tickets only through ticketcore/events. The HTTP API is in
// kb/httpapi; docs/kb-*.md describe each part.
package kb
