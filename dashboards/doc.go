// Package dashboards will hold the web UI: go-echarts pages, the agent
// workspace and the KB review screens, with embedded assets. Nothing is
// built here yet: see ARCHITECTURE.md (step 7).
package dashboards
