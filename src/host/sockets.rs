//! Which TCP connections a process of this host holds: its socket inodes (`/proc/PID/fd`) looked
//! up in `/proc/net/tcp` and `tcp6`. Used to tie a Celery worker to its Redis connections, since
//! kombu names none (CLIENT LIST shows only the peer address, which is this socket's local one).

use std::collections::BTreeSet;
use std::net::{Ipv4Addr, Ipv6Addr};
use std::path::Path;

/// The local addresses (`ip:port`, as Redis's CLIENT LIST writes a peer) of the TCP sockets the
/// processes `pids` hold open. Unreadable entries are skipped: the answer may be partial.
pub fn local_addrs(proc_root: &Path, pids: &[i32]) -> BTreeSet<String> {
    let mut inodes = BTreeSet::new();
    for pid in pids {
        let Ok(dir) = std::fs::read_dir(proc_root.join(pid.to_string()).join("fd")) else {
            continue;
        };
        for entry in dir.flatten() {
            if let Ok(target) = std::fs::read_link(entry.path())
                && let Some(inode) = socket_inode(&target.to_string_lossy())
            {
                inodes.insert(inode);
            }
        }
    }
    let mut out = BTreeSet::new();
    for table in ["net/tcp", "net/tcp6"] {
        // The pid's own view of the network namespace: the first pid's, else this process's.
        let path = match pids.first() {
            Some(pid) => proc_root.join(pid.to_string()).join(table),
            None => proc_root.join(table),
        };
        let Ok(text) = std::fs::read_to_string(path) else {
            continue;
        };
        out.extend(
            parse_tcp_table(&text)
                .into_iter()
                .filter(|(_, inode)| inodes.contains(inode))
                .map(|(addr, _)| addr),
        );
    }
    out
}

/// `socket:[12345]` -> 12345.
fn socket_inode(link: &str) -> Option<u64> {
    link.strip_prefix("socket:[")?
        .strip_suffix(']')?
        .parse()
        .ok()
}

/// The rows of /proc/net/tcp or tcp6 as (local `ip:port`, inode).
pub fn parse_tcp_table(text: &str) -> Vec<(String, u64)> {
    text.lines()
        .skip(1)
        .filter_map(|line| {
            let cols: Vec<&str> = line.split_whitespace().collect();
            let local = decode_addr(cols.get(1)?)?;
            let inode = cols.get(9)?.parse().ok()?;
            Some((local, inode))
        })
        .collect()
}

/// `0100007F:1F90` -> `127.0.0.1:8080`; a v4-mapped v6 address is written as its v4 form and
/// another v6 one in brackets, as Redis shows them.
fn decode_addr(hex: &str) -> Option<String> {
    let (ip, port) = hex.split_once(':')?;
    let port = u16::from_str_radix(port, 16).ok()?;
    let ip = match ip.len() {
        8 => Ipv4Addr::from(u32::from_str_radix(ip, 16).ok()?.swap_bytes()).to_string(),
        32 => {
            let mut bytes = [0u8; 16];
            for (i, word) in bytes.chunks_mut(4).enumerate() {
                let w = u32::from_str_radix(&ip[i * 8..i * 8 + 8], 16).ok()?;
                word.copy_from_slice(&w.to_le_bytes());
            }
            let v6 = Ipv6Addr::from(bytes);
            match v6.to_ipv4_mapped() {
                Some(v4) => v4.to_string(),
                None => format!("[{v6}]"),
            }
        }
        _ => return None,
    };
    Some(format!("{ip}:{port}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tcp_tables_decode_as_redis_writes_peers() {
        let v4 = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n   0: 0100007F:8E26 0100007F:3FE7 01 00000000:00000000 00:00000000 00000000     0        0 4242 1 0000000000000000 20 4 30 10 -1\n";
        assert_eq!(
            parse_tcp_table(v4),
            vec![("127.0.0.1:36390".to_string(), 4242)]
        );
        let v6 = "  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n   0: 0000000000000000FFFF00000100007F:8E26 0000000000000000FFFF00000100007F:3FE7 01 00000000:00000000 00:00000000 00000000     0        0 77 1\n   1: 00000000000000000000000001000000:0050 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 78 1\n";
        assert_eq!(
            parse_tcp_table(v6),
            vec![
                ("127.0.0.1:36390".to_string(), 77),
                ("[::1]:80".to_string(), 78)
            ]
        );
        assert_eq!(socket_inode("socket:[99]"), Some(99));
        assert_eq!(socket_inode("pipe:[99]"), None);
    }
}
