// Package kb will hold the bleve indexes, similar-case search, category
// prediction, the KB miner and the article review workflow. It sees tickets
// only through ticketcore/events. Nothing is built here yet: see
// ARCHITECTURE.md (step 5).
package kb
