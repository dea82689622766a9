package ticketcore

// SetBeforeEvent injects a step between the ticket write and the event write.
func (s *Service) SetBeforeEvent(f func() error) { s.beforeEvent = f }
