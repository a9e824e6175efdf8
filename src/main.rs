fn main() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let c = reqwest::Client::builder().build();
    println!("{:?}", c.is_ok());
}
