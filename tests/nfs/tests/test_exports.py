"""sharenfs -> what 127.0.0.1 may do -> ganesha EXPORT blocks."""

import pytest

from nfsbed.exports import client_access, parse_sharenfs, render_ganesha, share_export


def test_parse_keeps_lists_and_bare_options():
    assert parse_sharenfs('sec=sys,rw=@10.0.0.0/24:@10.0.1.0/24,root=@10.0.0.5/32,nosuid') == {
        'sec': 'sys', 'rw': ['@10.0.0.0/24', '@10.0.1.0/24'], 'root': ['@10.0.0.5/32'], 'nosuid': True}


def test_repeated_list_options_add_up():
    assert parse_sharenfs('rw=@a,rw=@b')['rw'] == ['@a', '@b']


@pytest.mark.parametrize('sharenfs, access, root', [
    ('sec=sys,rw=@127.0.0.0/8,root=@127.0.0.1/32', 'rw', True),
    ('sec=sys,rw=@127.0.0.0/8', 'rw', False),
    ('sec=sys,rw=@127.0.0.1', 'rw', False),
    ('sec=sys,rw=127.0.0.1,root=localhost', 'rw', True),
    ('sec=sys,rw=@10.0.0.0/8,root=@10.0.0.5/32', 'none', False),
    ('sec=sys,rw=@10.0.0.0/8,root=@127.0.0.1/32', 'none', False),
    ('sec=sys,rw=-@127.0.0.1/32:@127.0.0.0/8', 'none', False),
    ('sec=sys,ro=@127.0.0.0/8,rw=@127.0.0.1/32', 'ro', False),
    ('sec=sys,none=@127.0.0.1/32', 'none', False),
    ('sec=sys', 'rw', False),
    ('on', 'rw', False),
    ('rw', 'rw', False),
    ('ro', 'ro', False),
    ('off', 'none', False),
    ('', 'none', False),
])
def test_client_access(sharenfs, access, root):
    result = client_access(sharenfs, '127.0.0.1')
    assert (result['access'], result['root']) == (access, root)


def test_anonymous_id_defaults_to_65534_and_follows_anon():
    assert client_access('rw')['anon'] == 65534
    assert client_access('rw,anon=60001')['anon'] == 60001


def test_readonly_share_and_unexported_share():
    share = {'path': '/d/export/a', 'mountpoint': '/export/a', 'sharenfs': 'rw', 'readonly': True, 'exported': True}
    assert share_export(share)['access'] == 'ro'
    assert share_export(dict(share, readonly=False, exported=False))['access'] == 'none'


def test_ganesha_config_has_one_export_per_share_with_squash_for_the_client():
    exports = [share_export({'path': '/d/export/b', 'mountpoint': '/export/b', 'sharenfs': 'sec=sys,rw=@127.0.0.0/8'}),
               share_export({'path': '/d/export/a', 'mountpoint': '/export/a',
                             'sharenfs': 'sec=sys,rw=@127.0.0.0/8,root=@127.0.0.1/32'}),
               share_export({'path': '/d/export/c', 'mountpoint': '/export/c', 'sharenfs': 'off'})]
    text = render_ganesha(exports, '/w')
    blocks = text.split('EXPORT {')[1:]
    assert [b.split('Pseudo = "')[1].split('"')[0] for b in blocks] == ['/export/a', '/export/b', '/export/c']
    assert 'Squash = no_root_squash;' in blocks[0] and 'Export_Id = 1;' in blocks[0]
    assert 'Squash = root_squash;' in blocks[1] and 'Anonymous_Uid = 65534;' in blocks[1]
    assert 'CLIENT' not in blocks[2] and 'Access_Type = None;' in blocks[2]
    assert 'Mount_Path_Pseudo = true;' in text and 'Bind_addr = 127.0.0.1;' in text
