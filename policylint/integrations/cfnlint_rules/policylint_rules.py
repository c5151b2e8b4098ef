"""policylint's rules for ``cfn-lint --append-rules <this folder>``: cfn-lint imports this file by
its path and collects the CloudFormationLintRule subclasses in it."""
from policylint.integrations.cfnlint import *  # noqa: F401,F403 - the rule classes
