//! The GraphQL endpoint as a whole: the schema, cost limits, heavy and cancelled requests, errors.

mod cancelled_requests;
mod credential_operations;
mod heavy_requests;
mod limits;
mod request_errors;
mod schema;
