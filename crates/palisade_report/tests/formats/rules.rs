use crate::fixture::*;
