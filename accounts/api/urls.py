from accounts.sso.api import SsoMappingRuleViewSet
from core.api.routers import Router

from . import contacts, registrations, roles, vetting, views

router = Router()
router.register("org-units", views.OrgUnitViewSet, basename="orgunit")
router.register("users", views.UserViewSet, basename="user")
router.register("customers", views.CustomerViewSet, basename="customer")
router.register("contacts", contacts.ContactViewSet, basename="contact")
router.register("customer-aliases", views.CustomerAliasViewSet, basename="customeralias")
router.register(
    "customer-registrations",
    registrations.CustomerRegistrationViewSet,
    basename="customerregistration",
)
router.register("customer-vetting", vetting.CustomerVettingViewSet, basename="customervetting")
router.register("activities", views.ActivityViewSet, basename="activity")
router.register("roles", roles.RoleDefinitionViewSet, basename="role")
router.register("role-assignments", roles.RoleAssignmentViewSet, basename="roleassignment")
router.register("sso-mapping-rules", SsoMappingRuleViewSet, basename="ssomappingrule")
router.register("imports", views.ImportJobViewSet, basename="importjob")
urlpatterns = router.urls
