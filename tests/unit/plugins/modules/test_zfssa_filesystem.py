# Copyright: exalogic.backup contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import pytest

from ansible_collections.exalogic.backup.plugins.modules import zfssa_filesystem
from ansible_collections.exalogic.backup.tests.unit.plugins.modules.zfssa_fake import (
    NO_CONTENT, FakeAppliance, answer, fault, module_args, not_found, run_zfssa_module)

API = '/api/storage/v1'
POOL = API + '/pools/gold'
PROJECT = POOL + '/projects/backups'
SHARES = PROJECT + '/filesystems'
G = 1024 ** 3


def share_path(name, project='backups'):
    return '%s/pools/gold/projects/%s/filesystems/%s' % (API, project, name)


def share(name, project='backups', **props):
    obj = {'name': name, 'pool': 'gold', 'project': project, 'collection': 'local', 'quota': 0,
           'sharenfs': 'on', 'snapdir': 'hidden', 'root_permissions': '700', 'root_user': 'nobody',
           'compression': 'off', 'source': {'sharenfs': 'inherited', 'compression': 'inherited'}}
    obj.update(props)
    return obj


def run(appliance, monkeypatch, check=False, diff=False, **args):
    params = module_args(dict(pool='gold', project='backups'), check, diff, **args)
    return run_zfssa_module(zfssa_filesystem.main, params, monkeypatch, appliance)


VS01_NFS = [{'network': '10.0.1.5', 'root': True}, {'network': '10.0.9.0/24', 'access': 'ro'}]
VS01_SHARENFS = 'sec=sys,rw=@10.0.1.5/32,ro=@10.0.9.0/24,root=@10.0.1.5/32'


# -------------------------------------------------------------------------------------- single form

def test_creates_a_share_with_rendered_nfs_exceptions(monkeypatch):
    created = share('vs01', quota=200 * G, sharenfs=VS01_SHARENFS, root_permissions='750')
    appliance = FakeAppliance({
        ('GET', share_path('vs01')): not_found(),
        ('POST', SHARES): answer({'filesystem': created}, 201),
    })
    result, failed = run(appliance, monkeypatch, name='vs01', quota='200G', root_permissions='0750',
                         root_user='1000', nfs_exceptions=VS01_NFS, diff=True)
    assert not failed, result
    assert result['changed'] is True
    assert appliance.writes() == [('POST', SHARES, {
        'name': 'vs01', 'quota': 200 * G, 'root_permissions': '750', 'root_user': '1000', 'sharenfs': VS01_SHARENFS})]
    assert result['filesystem'] == created
    assert result['diff'] == {'before': {}, 'after': {
        'name': 'vs01', 'quota': 200 * G, 'root_permissions': '750', 'root_user': '1000', 'sharenfs': VS01_SHARENFS}}


def test_boolean_properties_are_sent_as_json_booleans_in_both_forms(monkeypatch):
    # The appliance vendor's own client sends "true"/"false" strings; this collection sends JSON booleans.
    appliance = FakeAppliance({
        ('GET', share_path('vs01')): not_found(),
        ('POST', SHARES): answer({'filesystem': share('vs01')}, 201),
    })
    result, failed = run(appliance, monkeypatch, name='vs01', properties={'quota_snap': 'true', 'vscan': 'no'})
    assert not failed, result
    assert appliance.writes()[0][2] == {'name': 'vs01', 'quota_snap': True, 'vscan': False}

    appliance = FakeAppliance({
        ('GET', SHARES): answer({'filesystems': []}),
        ('POST', SHARES): answer({'filesystem': share('vs02')}, 201),
    })
    result, failed = run(appliance, monkeypatch, properties={'nodestroy': 'yes'},
                         filesystems=[{'name': 'vs02', 'properties': {'rstchown': 'False'}}])
    assert not failed, result
    body = appliance.writes()[0][2]
    assert body == {'name': 'vs02', 'nodestroy': True, 'rstchown': False}
    assert body['nodestroy'] is True and body['rstchown'] is False


def test_second_run_with_the_same_meaning_writes_nothing(monkeypatch):
    # The appliance returns the exceptions in another order and the permissions without the leading 0.
    current = share('vs01', quota=200 * G, root_permissions='750',
                    sharenfs='root=@10.0.1.5/32,ro=@10.0.9.0/24,rw=@10.0.1.5/32,sec=sys')
    appliance = FakeAppliance({('GET', share_path('vs01')): answer({'filesystem': current})})
    result, failed = run(appliance, monkeypatch, name='vs01', quota='200G', root_permissions='0750',
                         nfs_exceptions=list(reversed(VS01_NFS)))
    assert not failed, result
    assert result['changed'] is False
    assert result['changes'] == {}
    assert appliance.writes() == []
    assert appliance.requests() == [('GET', share_path('vs01'))]


def test_inherited_properties_that_are_not_asked_for_are_left_alone(monkeypatch):
    current = share('vs01', compression='gzip', sharenfs='ro')
    appliance = FakeAppliance({
        ('GET', share_path('vs01')): answer({'filesystem': current}),
        ('PUT', share_path('vs01')): answer({'filesystem': dict(current, quota=G)}, 202),
    })
    result, failed = run(appliance, monkeypatch, name='vs01', quota='1G', diff=True)
    assert not failed, result
    assert appliance.writes() == [('PUT', share_path('vs01'), {'quota': G})]
    assert result['diff'] == {'before': {'quota': 0}, 'after': {'quota': G}}
    assert result['filesystem']['quota'] == G


def test_changed_exceptions_are_sent_as_one_sharenfs_value(monkeypatch):
    current = share('vs01', sharenfs='sec=sys,rw=@10.0.1.5/32,root=@10.0.1.5/32')
    appliance = FakeAppliance({
        ('GET', share_path('vs01')): answer({'filesystem': current}),
        ('PUT', share_path('vs01')): answer({'filesystem': current}, 202),
    })
    result, failed = run(appliance, monkeypatch, name='vs01', nfs_exceptions=VS01_NFS, diff=True)
    assert not failed, result
    assert appliance.writes() == [('PUT', share_path('vs01'), {'sharenfs': VS01_SHARENFS})]
    assert result['diff']['before'] == {'sharenfs': 'sec=sys,rw=@10.0.1.5/32,root=@10.0.1.5/32'}


def test_emptied_exception_list_revokes_access_instead_of_opening_the_share(monkeypatch):
    # A templated list that comes out empty (the last vServer removed) must not export to everyone.
    current = share('vs01', sharenfs='sec=sys,rw=@10.0.1.5/32,root=@10.0.1.5/32')
    appliance = FakeAppliance({
        ('GET', share_path('vs01')): answer({'filesystem': current}),
        ('PUT', share_path('vs01')): answer({'filesystem': dict(current, sharenfs='off')}, 202),
    })
    result, failed = run(appliance, monkeypatch, name='vs01', nfs_exceptions=[], diff=True)
    assert not failed, result
    assert appliance.writes() == [('PUT', share_path('vs01'), {'sharenfs': 'off'})]
    assert result['access_widened'] is False
    assert 'warnings' not in result or not any('gives every NFS client' in w for w in result['warnings'])


def test_widening_to_read_write_for_everyone_needs_default_access_rw_and_is_reported(monkeypatch):
    current = share('vs01', sharenfs='sec=sys,rw=@10.0.1.5/32,root=@10.0.1.5/32')
    appliance = FakeAppliance({
        ('GET', share_path('vs01')): answer({'filesystem': current}),
        ('PUT', share_path('vs01')): answer({'filesystem': dict(current, sharenfs='on')}, 202),
    })
    result, failed = run(appliance, monkeypatch, name='vs01', nfs_exceptions=[], default_access='rw', diff=True)
    assert not failed, result
    assert appliance.writes() == [('PUT', share_path('vs01'), {'sharenfs': 'on'})]
    assert result['access_widened'] is True
    note = 'sharenfs on gives every NFS client not listed in an exception read-write access (before: no access)'
    assert result['diff']['after_header'] == 'gold/backups/vs01 (%s)' % note
    assert 'gold/backups/vs01: ' + note in result['warnings']


def test_bulk_entry_that_widens_access_says_so_in_its_diff_header(monkeypatch):
    appliance = FakeAppliance({
        ('GET', SHARES): answer({'filesystems': [share('vs01', sharenfs='off'), share('vs02', sharenfs='off')]}),
        ('PUT', share_path('vs02')): answer({'filesystem': share('vs02', sharenfs='ro')}, 202),
    })
    result, failed = run(appliance, monkeypatch, diff=True, filesystems=[
        {'name': 'vs01', 'nfs_exceptions': []}, {'name': 'vs02', 'default_access': 'ro'}])
    assert not failed, result
    assert appliance.writes() == [('PUT', share_path('vs02'), {'sharenfs': 'ro'})]
    assert [(r['name'], r['access_widened']) for r in result['filesystems']] == [('vs01', False), ('vs02', True)]
    assert result['diff'][0]['before_header'] == 'gold/backups/vs02'
    assert result['diff'][0]['after_header'].startswith('gold/backups/vs02 (sharenfs ro gives every NFS client')


def test_check_mode_never_writes(monkeypatch):
    appliance = FakeAppliance({
        ('GET', share_path('vs01')): answer({'filesystem': share('vs01')}),
        ('GET', share_path('vs02')): not_found(),
        ('GET', API + '/pools'): answer({'pools': [{'name': 'gold'}]}),
        ('GET', PROJECT): answer({'project': {'name': 'backups'}}),
    })
    result, failed = run(appliance, monkeypatch, name='vs01', quota='1G', check=True)
    assert not failed and result['changed'] is True
    assert result['filesystem']['quota'] == G
    result, failed = run(appliance, monkeypatch, name='vs02', check=True)
    assert not failed and result['changed'] is True
    assert result['filesystem'] == {'name': 'vs02', 'pool': 'gold', 'project': 'backups'}
    result, failed = run(appliance, monkeypatch, name='vs01', state='absent', check=True)
    assert not failed and result['changed'] is True
    assert appliance.writes() == []


def test_deletes_and_is_idempotent_when_gone(monkeypatch):
    appliance = FakeAppliance({
        ('GET', share_path('vs01')): [answer({'filesystem': share('vs01')}), not_found()],
        ('DELETE', share_path('vs01')): NO_CONTENT,
    })
    result, failed = run(appliance, monkeypatch, name='vs01', state='absent')
    assert not failed and result['changed'] is True
    assert result['filesystem'] is None
    result, failed = run(appliance, monkeypatch, name='vs01', state='absent')
    assert not failed and result['changed'] is False
    assert appliance.writes() == [('DELETE', share_path('vs01'), None)]


def test_unknown_project_fails_with_a_clear_message(monkeypatch):
    appliance = FakeAppliance({
        ('GET', API + '/pools'): answer({'pools': [{'name': 'gold'}]}),
        # the share and project GETs and the POST answer 404 (unknown routes)
    })
    result, failed = run(appliance, monkeypatch, name='vs01')
    assert failed
    assert result['msg'] == ("Could not create filesystem gold/backups/vs01: project 'backups' does not exist in "
                             "pool 'gold'; create it first with exalogic.backup.zfssa_project")


def test_unknown_pool_fails_with_a_clear_message_in_check_mode_too(monkeypatch):
    appliance = FakeAppliance({('GET', API + '/pools'): answer({'pools': [{'name': 'gold'}]})})
    result, failed = run(appliance, monkeypatch, name='vs01', pool='silver', check=True)
    assert failed
    assert result['msg'] == ("Could not create filesystem silver/backups/vs01: pool 'silver' does not exist on the "
                             "appliance (pools: gold); set the pool option to one of them")


def test_invalid_property_value_reports_the_fault(monkeypatch):
    appliance = FakeAppliance({
        ('GET', share_path('vs01')): answer({'filesystem': share('vs01')}),
        ('PUT', share_path('vs01')): fault(400, 'ERR_INVALID_ARG', "logbias must be one of latency, throughput, got 'fast'"),
    })
    result, failed = run(appliance, monkeypatch, name='vs01', properties={'logbias': 'fast'})
    assert failed
    assert result['msg'] == ("Could not change filesystem gold/backups/vs01: PUT /api/storage/v1/pools/gold/projects/"
                             "backups/filesystems/vs01: HTTP 400 ERR_INVALID_ARG: logbias must be one of latency, "
                             "throughput, got 'fast'")


@pytest.mark.parametrize('given, message', [
    (dict(name='vs01', root_permissions=750), 'root_permissions: give the permissions as a quoted string'),
    (dict(name='vs01', root_permissions='0789'), "root_permissions: '0789' is not octal permissions"),
    (dict(name='vs01', root_permissions=u'7\u00b25'), "is not octal permissions"),  # a superscript two
    (dict(name='vs01', reservation='1X'), "reservation: '1X' is not a size"),
    (dict(name='vs01', nfs_exceptions=[{'network': '10.0.0.0/40'}]), 'nfs_exceptions[0].network: '),
    (dict(name='vs01', project=None), 'project is required'),
    (dict(filesystems=[{'name': 'a'}, {'name': 'b', 'quota': 'big'}]), "filesystems[1] (b): quota: 'big' is not a size"),
    (dict(filesystems=[{'name': 'a'}, {'name': 'a'}]), 'filesystems[1] (a): the share gold/backups/a is listed twice'),
    (dict(filesystems=[{'name': 'a', 'nfs_exceptions': [{'network': 'x'}]}]), "filesystems[0] (a): nfs_exceptions[0].network: 'x'"),
])
def test_bad_input_fails_before_any_request(monkeypatch, given, message):
    appliance = FakeAppliance()
    result, failed = run(appliance, monkeypatch, **given)
    assert failed
    assert message in result['msg']
    assert appliance.calls == []


def test_name_and_filesystems_are_mutually_exclusive(monkeypatch):
    appliance = FakeAppliance()
    result, failed = run(appliance, monkeypatch, name='vs01', filesystems=[{'name': 'vs02'}])
    assert failed and 'mutually exclusive' in result['msg']
    result, failed = run(appliance, monkeypatch)
    assert failed and 'one of the following is required: name, filesystems' in result['msg']


# ---------------------------------------------------------------------------------------- bulk form

def bulk_entries(count):
    return [{'name': 'vs%02d' % i, 'nfs_exceptions': [{'network': '10.0.1.%d' % i, 'root': True}]}
            for i in range(count)]


def rendered(i):
    return 'sec=sys,rw=@10.0.1.%d/32,root=@10.0.1.%d/32' % (i, i)


def test_bulk_reads_once_and_writes_only_what_differs(monkeypatch):
    listed = [
        share('vs00', quota=100 * G, sharenfs=rendered(0)),                          # as wanted
        share('vs01', quota=100 * G, sharenfs='root=@10.0.1.1/32,sec=sys,rw=@10.0.1.1'),  # same meaning
        share('vs02', quota=50 * G, sharenfs=rendered(2)),                           # quota differs
        share('old', quota=100 * G),                                                 # not listed: untouched
    ]
    appliance = FakeAppliance({
        ('GET', SHARES): answer({'filesystems': listed}),
        ('PUT', share_path('vs02')): answer({'filesystem': listed[2]}, 202),
        ('POST', SHARES): answer({'filesystem': share('vs03')}, 201),
    })
    result, failed = run(appliance, monkeypatch, quota='100G', filesystems=bulk_entries(4), diff=True)
    assert not failed, result
    assert appliance.requests() == [('GET', SHARES), ('PUT', share_path('vs02')), ('POST', SHARES)]
    assert appliance.writes() == [
        ('PUT', share_path('vs02'), {'quota': 100 * G}),
        ('POST', SHARES, {'name': 'vs03', 'quota': 100 * G, 'sharenfs': rendered(3)}),
    ]
    assert [(r['name'], r['changed'], r['action']) for r in result['filesystems']] == [
        ('vs00', False, 'none'), ('vs01', False, 'none'), ('vs02', True, 'update'), ('vs03', True, 'create')]
    assert [d['before_header'] for d in result['diff']] == ['gold/backups/vs02', 'gold/backups/vs03']
    logins = [c for c in appliance.calls if c[0] == 'POST' and c[1] == '/api/access/v1']
    assert len(logins) == 1


def test_bulk_entries_override_top_level_defaults(monkeypatch):
    appliance = FakeAppliance({
        ('GET', SHARES): answer({'filesystems': []}),
        ('POST', SHARES): answer({'filesystem': share('x')}, 201),
    })
    entries = [
        {'name': 'a'},
        {'name': 'b', 'quota': '2G', 'sharenfs': 'off', 'properties': {'atime': True}},
    ]
    result, failed = run(appliance, monkeypatch, quota='1G', default_access='ro',
                         properties={'logbias': 'throughput', 'atime': False}, filesystems=entries)
    assert not failed, result
    assert appliance.writes() == [
        ('POST', SHARES, {'name': 'a', 'quota': G, 'sharenfs': 'ro', 'logbias': 'throughput', 'atime': False}),
        ('POST', SHARES, {'name': 'b', 'quota': 2 * G, 'sharenfs': 'off', 'logbias': 'throughput', 'atime': True}),
    ]


def test_bulk_over_several_projects_uses_the_appliance_wide_list(monkeypatch):
    listed = [share('vs01', quota=G), share('vs01', project='other', quota=G),
              share('vs01', project='replica', quota=5, collection='replication')]
    appliance = FakeAppliance({
        ('GET', API + '/filesystems'): answer({'filesystems': listed}),
        ('DELETE', share_path('vs01', 'other')): NO_CONTENT,
    })
    result, failed = run(appliance, monkeypatch, quota='1G', filesystems=[
        {'name': 'vs01'}, {'name': 'vs01', 'project': 'other', 'state': 'absent'}])
    assert not failed, result
    assert appliance.requests() == [('GET', API + '/filesystems'), ('DELETE', share_path('vs01', 'other'))]
    assert [r['action'] for r in result['filesystems']] == ['none', 'delete']


def test_bulk_check_mode_writes_nothing_and_checks_the_project_once(monkeypatch):
    appliance = FakeAppliance({('GET', SHARES): answer({'filesystems': [share('vs00')]})})
    result, failed = run(appliance, monkeypatch, filesystems=bulk_entries(5), check=True)
    assert not failed, result
    assert appliance.writes() == []
    assert appliance.requests() == [('GET', SHARES)]
    assert [r['action'] for r in result['filesystems']] == ['update', 'create', 'create', 'create', 'create']


def test_bulk_unknown_project_fails_before_writing(monkeypatch):
    appliance = FakeAppliance({('GET', API + '/pools'): answer({'pools': [{'name': 'gold'}]})})
    result, failed = run(appliance, monkeypatch, filesystems=bulk_entries(2))
    assert failed
    assert result['msg'] == ("Could not list the filesystems of project gold/backups: project 'backups' does not "
                             "exist in pool 'gold'; create it first with exalogic.backup.zfssa_project")
    assert appliance.writes() == []


def test_bulk_failure_names_the_share_and_the_changes_already_made(monkeypatch):
    appliance = FakeAppliance({
        ('GET', SHARES): answer({'filesystems': []}),
        ('POST', SHARES): [answer({'filesystem': share('vs00')}, 201), fault(400, 'ERR_INVALID_ARG', 'bad value')],
    })
    result, failed = run(appliance, monkeypatch, filesystems=bulk_entries(3))
    assert failed
    assert result['msg'].startswith('Could not create filesystem gold/backups/vs01 (this run already changed 1 '
                                    'share(s): vs00): POST /api/storage/v1/pools/gold/projects/backups/filesystems: '
                                    'HTTP 400 ERR_INVALID_ARG: bad value')


def test_empty_bulk_list_does_nothing(monkeypatch):
    appliance = FakeAppliance()
    result, failed = run(appliance, monkeypatch, filesystems=[])
    assert not failed and result == {'changed': False, 'filesystems': []}
    assert appliance.calls == []
