"""Issue 12: the default mode is FastAudit 0.2.7. Each scenario of fa_scenarios.py runs in a
fresh interpreter (the other suites' hardened configs claim tool id 3 in this process)."""
import os
import subprocess
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))


class TestFastAuditDefault(unittest.TestCase):
    def scenario(self, name):
        p = subprocess.run([sys.executable, os.path.join(HERE, 'fa_scenarios.py'), name],
                           capture_output=True, text=True, timeout=120, cwd=HERE)
        self.assertEqual((p.returncode, p.stdout.strip().splitlines()[-1:]), (0, ['ok']),
                         f'{name}:\n{p.stdout}\n{p.stderr}')


PORTED = ['audit_blocks', 'expanduser_root', 'callbacks', 'import_side_effects', 'call_tracker',
          'monitor_calls_off', 'allow_list', 'origin_telemetry', 'monitor_toggle']
DIFFERENCES = ['d_active_calls_records', 'd_events', 'd_messages', 'd_tool_taken', 'd_paths',
               'd_nul_paths', 'd_env_fsdecode', 'd_module_forgery', 'd_contexts', 'd_subinterpreter',
               'd_layout', 'd_surrogates']
for _name in PORTED + DIFFERENCES:
    setattr(TestFastAuditDefault, f'test_{_name}',
            lambda self, n=_name: self.scenario(n))

if __name__ == '__main__':
    unittest.main()
