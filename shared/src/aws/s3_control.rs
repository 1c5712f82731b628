//! The S3 Control client. Its endpoint rules put the account id in front of the host
//! (`111122223333.s3-control.us-east-1.amazonaws.com`), and do so before a custom endpoint too.
//! In front of an IP address or `localhost` (an emulator, such as the one our tests and demo
//! run) that name cannot resolve, so there the prefix is left off; any other custom endpoint,
//! such as an S3 Control VPC endpoint, is resolved as the SDK resolves it.

use aws_config::SdkConfig;
use aws_sdk_s3control::config::endpoint::{
    DefaultResolver, Endpoint, EndpointFuture, Params, ResolveEndpoint,
};

pub fn client(sdk: &SdkConfig) -> aws_sdk_s3control::Client {
    let builder = aws_sdk_s3control::config::Builder::from(sdk);
    let local = sdk.endpoint_url().is_some_and(is_local_endpoint);
    let config = if local {
        builder.endpoint_resolver(WithoutAccountPrefix(DefaultResolver::new()))
    } else {
        builder
    };
    aws_sdk_s3control::Client::from_conf(config.build())
}

/// Whether the endpoint's host is an IP address or `localhost`.
fn is_local_endpoint(url: &str) -> bool {
    let host = host_of(url);
    host == "localhost"
        || host
            .trim_matches(['[', ']'])
            .parse::<std::net::IpAddr>()
            .is_ok()
}

/// The host of `scheme://host[:port][/path]`.
fn host_of(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let authority = rest.split('/').next().unwrap_or(rest);
    if authority.starts_with('[') {
        return authority
            .split_once(']')
            .map_or(authority, |(host, _)| host);
    }
    authority.split(':').next().unwrap_or(authority)
}

/// `url` without `ACCOUNT.` in front of its host.
fn without_account_prefix(url: &str, account_id: &str) -> String {
    match url.split_once("://") {
        Some((scheme, rest)) => match rest
            .strip_prefix(account_id)
            .and_then(|r| r.strip_prefix('.'))
        {
            Some(host) => format!("{scheme}://{host}"),
            None => url.to_owned(),
        },
        None => url.to_owned(),
    }
}

#[derive(Debug)]
struct WithoutAccountPrefix(DefaultResolver);

impl ResolveEndpoint for WithoutAccountPrefix {
    fn resolve_endpoint<'a>(&'a self, params: &'a Params) -> EndpointFuture<'a> {
        EndpointFuture::new(async move {
            let endpoint: Endpoint = self.0.resolve_endpoint(params).await?;
            let Some(account_id) = params.account_id() else {
                return Ok(endpoint);
            };
            let url = without_account_prefix(endpoint.url(), account_id);
            Ok(endpoint.into_builder().url(url).build())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_an_ip_address_or_localhost_is_a_local_endpoint() {
        assert!(is_local_endpoint("http://127.0.0.1:5000"));
        assert!(is_local_endpoint("http://[::1]:5000/"));
        assert!(is_local_endpoint("http://localhost:4566"));
        assert!(!is_local_endpoint(
            "https://vpce-0a1b.s3-control.us-east-1.vpce.amazonaws.com"
        ));
    }

    #[test]
    fn the_account_prefix_is_taken_off_the_host_only() {
        assert_eq!(
            without_account_prefix("http://111122223333.127.0.0.1:5000/v", "111122223333"),
            "http://127.0.0.1:5000/v"
        );
        assert_eq!(
            without_account_prefix("http://127.0.0.1:5000", "111122223333"),
            "http://127.0.0.1:5000"
        );
    }
}
