"""python -m zfssa_sim --host 127.0.0.1 --port 0 --data-dir DIR [...]: run one simulated appliance."""

import argparse
import json
import os
import signal
import socket
import sys
import threading

from . import tlscert
from .model import write_json_atomic
from .server import SimHTTPServer, Simulator, tls_context


def parse_args(argv=None):
    parser = argparse.ArgumentParser(prog='python -m zfssa_sim', description='Simulated Oracle ZFS Storage Appliance (REST API over HTTPS).')
    parser.add_argument('--host', default='127.0.0.1', help='address to listen on (default 127.0.0.1)')
    parser.add_argument('--port', type=int, default=215, help='TCP port; 0 picks a free one (default 215)')
    parser.add_argument('--data-dir', required=True, help='state, certificate and share directories live here')
    parser.add_argument('--user', default='root', help='the one appliance user (default root)')
    parser.add_argument('--password', default='secret', help='its password (default secret)')
    parser.add_argument('--pools', default='gold', help='comma-separated pool names (default gold)')
    parser.add_argument('--name', default=None, help='appliance node name (default zfssa-sim-<port>)')
    parser.add_argument('--session-timeout', type=float, default=900.0, help='idle seconds before a session expires (default 900)')
    parser.add_argument('--replication-delay', type=float, default=0.0,
                        help='extra seconds an update stays in state "sending" (default 0)')
    parser.add_argument('--clock', choices=('real', 'frozen'), default='real',
                        help='real: time runs (schedules fire on their own); frozen: moves only via POST /_sim/clock')
    parser.add_argument('--clock-start', default=None, help='initial appliance time, ISO 8601 UTC (default: now)')
    parser.add_argument('--ready-file', default=None, help='write {"host","port","url","cert","pid"} here once listening')
    return parser.parse_args(argv)


def main(argv=None):
    opts = parse_args(argv)
    os.makedirs(opts.data_dir, exist_ok=True)
    opts.data_dir = os.path.abspath(opts.data_dir)
    cert, key = tlscert.ensure_certificate(opts.data_dir, opts.host)
    family = socket.AF_INET6 if ':' in opts.host else socket.AF_INET
    SimHTTPServer.address_family = family
    sim = Simulator(opts)
    server = SimHTTPServer((opts.host, opts.port), sim, tls_context(cert, key))
    port = server.server_address[1]
    host_in_url = '[%s]' % opts.host if ':' in opts.host else opts.host
    sim.host, sim.port, sim.cert = opts.host, port, cert
    sim.url = 'https://%s:%d' % (host_in_url, port)
    if not opts.name:
        with sim.app.lock:
            if sim.app.glob.get('nodename', 'zfssa-sim') == 'zfssa-sim':
                sim.app.glob['nodename'] = 'zfssa-sim-%d' % port
                sim.app.touch()
                sim.app.flush()
    ready = {'host': opts.host, 'port': port, 'url': sim.url, 'cert': cert, 'pid': os.getpid()}
    if opts.ready_file:
        write_json_atomic(opts.ready_file, ready)
    print(json.dumps(ready, sort_keys=True), flush=True)

    def stop(_signum, _frame):
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    threading.Thread(target=sim.ticker, daemon=True).start()
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        sim.stop()
        server.server_close()
        if opts.ready_file and os.path.exists(opts.ready_file):
            os.unlink(opts.ready_file)
    return 0


if __name__ == '__main__':
    sys.exit(main())
