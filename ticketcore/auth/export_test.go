package auth

import "time"

// SetNow replaces the service's clock.
func (s *Service) SetNow(now func() time.Time) { s.now = now }

// SetCacheTTL sets how long an authenticated token is served from the cache.
func (s *Service) SetCacheTTL(d time.Duration) { s.cacheTTL = d }

// CacheTTL returns how long an authenticated token is served from the cache.
func (s *Service) CacheTTL() time.Duration { return s.cacheTTL }
