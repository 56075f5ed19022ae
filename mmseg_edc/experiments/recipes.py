"""Which configs make up each model of the generated benchmark, in training order.

A recipe is the chain of configs one model needs: a reference trains one config; EDC
trains its teacher, then the student, whose ``model.teacher.checkpoint`` is set to the
teacher's work dir. The last config of a chain is the one tested. Configs are given by
their packaged names (``mmseg-edc configs`` lists them).
"""
SUFFIX = '_1xb8-400it_generated-m3mcr-160x160'
TEACHER = 'edc-teacher_edc-small' + SUFFIX

#: model name -> configs trained in order; the last one is tested.
MODEL_RECIPES = {
    'edc': (TEACHER, 'edc_edc-small' + SUFFIX),
    'optical-only': ('upernet_r18-tiny_optical-only_1xb8-600it_generated-m3mcr-160x160',),
    'early-fusion': ('upernet_r18-tiny_early-fusion_1xb8-600it_generated-m3mcr-160x160',),
    'edc-plain-pool': (TEACHER, 'edc_edc-small-plain-pool' + SUFFIX),
    'edc-no-carrier': (TEACHER, 'edc_edc-small-no-carrier-tokens' + SUFFIX),
    'edc-no-cr': (TEACHER, 'edc_edc-small-no-cloud-removal' + SUFFIX),
    'edc-no-distill': ('edc_edc-small-no-distill' + SUFFIX,),
    'edc-optical': ('edc-teacher_edc-small-optical-only' + SUFFIX,
                    'edc_edc-small-optical-only' + SUFFIX),
}

#: Test metrics every table shows, in order (percent; PSNR in dB).
REPORTED_METRICS = ('mIoU', 'aAcc', 'mAcc', 'FWIoU', 'clear.mIoU', 'cloudy.mIoU',
                    'cr/PSNR')
