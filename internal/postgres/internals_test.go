package postgres

// StuckQuery is stuckQuery, for the tests of postgres_test that look at
// its plan.
var StuckQuery = stuckQuery
