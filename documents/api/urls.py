from core.api.routers import Router

from . import views

router = Router()
router.register("documents", views.GeneratedDocumentViewSet, basename="generateddocument")
router.register("document-templates", views.DocumentTemplateViewSet, basename="documenttemplate")
urlpatterns = router.urls
