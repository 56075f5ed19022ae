# Ablation: no cloud-removal branch (no CR head, no reconstruction loss; the last fusion
# block then refines no stream). Teacher shared with EDC.
_base_ = ['../edc_edc-small_1xb8-400it_generated-m3mcr-160x160.py']
model = dict(cloud_removal_head=None, backbone=dict(final_write_back=()))
val_evaluator = dict(cloud_removal=None)  # no cloud-free image to score
test_evaluator = val_evaluator
ablation_changes = ['model.cloud_removal_head', 'model.backbone.final_write_back',
                    'val_evaluator.cloud_removal', 'test_evaluator.cloud_removal']
