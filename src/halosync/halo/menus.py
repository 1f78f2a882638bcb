"""Where in HaloPSA's own screens each thing halosync needs is set: the text of every fix we print."""

APPLICATIONS = "Configuration > Integrations > HaloPSA API > Applications > (your application)"
APPLICATION_PERMISSIONS = f"{APPLICATIONS} > Permissions"
AGENT_PERMISSIONS = "Configuration > Teams & Agents > Agents > (the application's agent) > Permissions"
EDIT_LICENCES = (f"the agent tied to the API application needs 'Software Licensing Access Level' Read and Modify "
                 f"({AGENT_PERMISSIONS}), and the application needs the scope edit:softwarelicensing "
                 f"({APPLICATION_PERMISSIONS})")
# The same, as a check's fix: "Make sure that ..."
HAS_EDIT_LICENCES = (f"the agent tied to the API application has 'Software Licensing Access Level' Read and Modify "
                     f"({AGENT_PERMISSIONS}), and that the application has the scope edit:softwarelicensing "
                     f"({APPLICATION_PERMISSIONS})")
