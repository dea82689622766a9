// Package classify predicts a ticket's category (or priority, or any other
// label) from its text. It is a multinomial logistic regression (softmax)
// over TF-IDF unigrams and bigrams, trained by stochastic gradient descent
// from closed tickets, pure Go.
//
// The model learns incrementally: Update folds newly closed tickets in with
// a few SGD passes over them mixed with a rehearsal sample of earlier
// tickets, growing the vocabulary and the label set as needed. Callers should
// still Train from scratch periodically (nightly, say), because Update keeps
// the IDF weights of old features as they were learnt and only sees the
// rehearsal sample of the past. docs/kb-classify.md has the method and the
// measured figures.
package classify
