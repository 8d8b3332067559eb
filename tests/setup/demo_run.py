"""`make demo`: the mission end to end with the real playbooks (tests/demo/mission.py), narrated.

Run from the laid-out collection with the project venv on PATH (tests/setup/demo.sh does that).
The summary lists only steps that really ran, with timings and artifacts; everything started here
(sshd, simulator, nfs-ganesha, FUSE clients, mounts) is stopped at the end, also after a failure.
"""
import os
import shutil
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
COLLECTION = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(COLLECTION, 'tests', 'demo'))
sys.path.insert(0, os.path.join(COLLECTION, 'tests', 'nfs'))

from mission import CHANGED, Mission  # noqa: E402  pylint: disable=wrong-import-position


def transferred(manifests):
    return ', '.join('%s %s files' % (h, m.get('files_transferred')) for h, m in sorted(manifests.items()))


def main():
    work = os.path.join(COLLECTION, 'tests', 'output', 'demo')
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    done, artifacts, failed = [], [], None

    def step(title, func):
        print('\n==> %s' % title, flush=True)
        started = time.time()
        func()
        done.append('%s (%.1f s)' % (title, time.time() - started))

    mission = Mission(work)
    state = {}
    try:
        step('start sshd on 127.0.0.51-53, the appliance simulator, a second one as the DR appliance (replication '
             'target) and the NFSv3 bed; build 3 vServer roots', mission.__enter__)
        step('appliance setup with replication to the DR appliance (playbooks/appliance_setup.yml)',
             lambda: print('\n'.join('  share %s: %s' % kv for kv in sorted(mission.appliance_setup().items()))))

        def first_backup():
            state['first'] = mission.backup(replicate=True)
            print('  transferred: %s; fences %s' % (transferred(state['first'][0]), state['first'][1]))
            for action in mission.replication_actions():
                print('  replication of %s to the DR appliance (pool %s): %s at %s' % (
                    action['project'], action['target_pool'], action['last_result'], action['last_sync']))
        step('back up all three, then send the replication update to the DR appliance (playbooks/backup.yml)',
             first_backup)

        def second_backup():
            mission.change()
            print('  vs01: changed the listen port in /%s' % CHANGED)
            state['second'] = mission.backup()
            print('  transferred: %s (first run: %s)' % (transferred(state['second'][0]), transferred(state['first'][0])))
        step('a change, then the second backup', second_backup)

        def restore():
            restored, snap = mission.restore_from_first_fence()
            print('  vs01: config.xml restored from %s, %s' % (
                mission.first_fences['vs01'], 'equals the snapshot copy' if restored == snap else 'DIFFERS'))
        step('restore one file from the first fence snapshot (playbooks/restore.yml)', restore)

        def restore_from_replica():
            replica = mission.restore_from_replica()
            print('  vs01: config.xml damaged; the primary appliance is assumed lost')
            print('  DR appliance: package of project backups (update of %s from %s) cloned into project %s'
                  % (replica['clone']['package']['last_sync'], replica['clone']['package']['source'],
                     replica['clone']['project']['name']))
            print('  NFSv3 export of the clone: %s (directory %s on the DR simulator)'
                  % (replica['export'], mission.dr_share_path('vs01')))
            print('  %s; %s' % (replica['summary'], 'equals the first fence' if replica['restored'] == replica['first_fence']
                                else 'DIFFERS from the first fence'))
        step('restore that file from the DR appliance: clone its replica (exalogic.backup.zfssa_replication_clone), '
             'export it, playbooks/restore.yml', restore_from_replica)

        def rebuild():
            rebuilt = mission.rebuild()
            print('  %s' % rebuilt['summary'])
            for diff in (f['diff'] for f in rebuilt['files'].values()):
                print('    ' + diff.rstrip('\n').replace('\n', '\n    '))
            artifacts.append(rebuilt['root'])
        step('rebuild vs03 onto a new vServer root with new disk UUIDs, NICs and addresses (playbooks/rebuild.yml)',
             rebuild)

        def report():
            rows, table, html = mission.report()
            print('\n'.join(table) or '  %d rows' % len(rows))
            artifacts.append(html)
        step('report (playbooks/report.yml)', report)
    except Exception as err:  # pylint: disable=broad-except
        failed = err
    try:
        step('stop everything and leave nothing mounted or running', mission.stop)
        left = mission.left_behind()
        if left:
            raise RuntimeError('left behind: %s' % left)
    except Exception as err:  # pylint: disable=broad-except
        failed = failed or err
    print('\ndemo: steps that ran:')
    for line in done:
        print('  - ' + line)
    for path in artifacts:
        print('  artifact: ' + path)
    if failed:
        print('demo: FAILED: %s' % failed)
        return 1
    print('demo: all steps passed')
    return 0


if __name__ == '__main__':
    sys.exit(main())
